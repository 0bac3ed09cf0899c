// SPDX-License-Identifier: GPL-2.0
/* tsclock for verifiers with bounded loops (5.3+): see bpf/tsclock_prog.h. */
#include "bpf/tsclock_prog.h"
