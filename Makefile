# SPDX-License-Identifier: GPL-2.0
# twlab. The public targets first make sure the Debian packages are there (scripts/install-deps.sh),
# then build in a sub-make, so pkg-config is only asked once the packages exist.
PREFIX ?= /usr/local
B := build
PKGS := libnl-3.0 libnl-route-3.0 libnl-nf-3.0 libnl-idiag-3.0 libnl-genl-3.0 libbpf libnftables libpcap inih jansson glib-2.0 libmicrohttpd
DEMO ?= topologies/nat-recycle.ini

.PHONY: all deps deps-test test demo bench install clean fuzz build-all build-tests po-update
all: deps
	@$(MAKE) --no-print-directory build-all

deps:
	@scripts/install-deps.sh build
deps-test:
	@scripts/install-deps.sh test

test: deps-test
	@$(MAKE) --no-print-directory build-all build-tests
	@scripts/build-kernel.sh --optional >/dev/null
	@tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory build-all
	./twlab run $(DEMO) --out out/demo

bench: deps-test
	@$(MAKE) --no-print-directory build-all build-tests
	@scripts/bench.sh

fuzz: deps
	@$(MAKE) --no-print-directory $(B)/fuzz_topo
	@echo "run: $(B)/fuzz_topo -max_total_time=300 tests/fuzz/corpus"

# the gettext catalogues (po/*.po, built by build-all into build/locale/<ll>/LC_MESSAGES/)
install: all
	install -D -m 0755 twlab $(DESTDIR)$(PREFIX)/bin/twlab
	for mo in $(B)/locale/*/LC_MESSAGES/twlab.mo; do \
		install -D -m 0644 $$mo $(DESTDIR)$(PREFIX)/share/$${mo#$(B)/}; done

# po/twlab.pot from the sources (xgettext), then po/*.po merged with it (msgmerge)
po-update: deps
	@scripts/i18n-pot.sh --update

clean:
	rm -rf $(B) twlab

# ---- everything below runs in the sub-make, with the packages installed ----
ifneq ($(filter build-all build-tests twlab $(B)/%,$(MAKECMDGOALS)),)
ARCH := $(shell gcc -dumpmachine)
# CFLAGS is the user's (make CFLAGS=-O0); what twlab needs to build is TWLAB_CFLAGS, put
# before it. WERROR=1 (CI) makes every warning an error.
CFLAGS ?= -O2 -g
WERROR_FLAG := $(if $(filter 1,$(WERROR)),-Werror)
# libwiretap (pcapng with comments): Debian 12's libwiretap-dev has no .pc file, so pkg-config
# is asked when it knows "wiretap" (newer Debian) and the Debian paths are used otherwise.
WIRETAP_CFLAGS := $(shell pkg-config --cflags wiretap 2>/dev/null || echo -I/usr/include/wireshark)
WIRETAP_LIBS := $(shell pkg-config --libs wiretap 2>/dev/null || echo -lwiretap) -lwsutil
TWLAB_CFLAGS := -DTWLAB_LOCALEDIR='"$(PREFIX)/share/locale"' -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	  $(WERROR_FLAG) -D_GNU_SOURCE -pthread -Isrc -I$(B) -MMD -MP \
	  $(shell pkg-config --cflags $(PKGS)) $(WIRETAP_CFLAGS)
ALL_CFLAGS = $(TWLAB_CFLAGS) $(CPPFLAGS) $(CFLAGS)
LDLIBS := $(shell pkg-config --libs $(PKGS)) $(WIRETAP_LIBS) -lm -pthread
BPF_CFLAGS := -O2 -g -Wall $(WERROR_FLAG) -target bpf -D__TARGET_ARCH_x86 -I/usr/include/$(ARCH) \
	  -Isrc

# Every .c under src/<stage>/ is a module; src/main.c is the program, src/bpf/ holds BPF programs.
SRCS := $(filter-out src/main.c src/bpf/%,$(shell find src -name '*.c'))
OBJS := $(SRCS:src/%.c=$(B)/%.o)
SKELS := $(patsubst src/bpf/%.bpf.c,$(B)/%.skel.h,$(wildcard src/bpf/*.bpf.c))
UNIT_SRCS := $(shell find tests/unit -name 'test_*.c')
UNIT := $(addprefix $(B)/tests/,$(basename $(notdir $(UNIT_SRCS))))
BPFT := $(patsubst tests/bpf/%.c,$(B)/tests/%,$(wildcard tests/bpf/test_*.c))
HELPERS := $(patsubst tests/net/%.c,$(B)/tests/%,$(wildcard tests/net/*.c))

# po/pt_BR.po -> build/locale/pt_BR/LC_MESSAGES/twlab.mo; --check: formats match the msgids
MOS := $(patsubst po/%.po,$(B)/locale/%/LC_MESSAGES/twlab.mo,$(wildcard po/*.po))
build-all: twlab $(MOS)
.SECONDARY: $(SKELS) $(patsubst %.skel.h,%.bpf.o,$(SKELS))
build-tests: $(UNIT) $(BPFT) $(HELPERS) $(MOS)

$(B) $(B)/tests:
	@mkdir -p $@

$(B)/%.bpf.o: src/bpf/%.bpf.c $(wildcard src/bpf/*.h) | $(B)
	@echo "  BPF     $@"
	@clang $(BPF_CFLAGS) -c $< -o $@
$(B)/%.skel.h: $(B)/%.bpf.o
	@echo "  SKEL    $@"
	@bpftool gen skeleton $< name $*_bpf > $@

$(B)/%.o: src/%.c | $(B) $(SKELS)
	@echo "  CC      $@"
	@mkdir -p $(@D)
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

# the catalogues' installed place is compiled in: a new PREFIX rebuilds i18n.o
.PHONY: FORCE
$(B)/prefix: FORCE | $(B)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' >$@
$(B)/i18n/i18n.o: $(B)/prefix

$(B)/locale/%/LC_MESSAGES/twlab.mo: po/%.po
	@echo "  MSGFMT  $@"
	@mkdir -p $(@D)
	@msgfmt --check -o $@ $<

$(B)/libtwlab.a: $(OBJS)
	@rm -f $@ && $(AR) rcs $@ $^

twlab: $(B)/main.o $(B)/libtwlab.a
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A test names the modules it links by file name on a line "/* MODULES: topo undo */" (default:
# all of them, libtwlab.a) and the functions it mocks on a line "/* WRAP: fn1 fn2 */" (ld --wrap).
comma := ,
wraps = $(addprefix -Wl$(comma)--wrap=,$(shell sed -n 's|^/\* WRAP: \(.*\) \*/|\1|p' $(1)))
mods = $(shell sed -n 's|^/\* MODULES: \(.*\) \*/|\1|p' $(1))
modobj = $(filter %/$(1).o,$(OBJS))
objs = $(if $(call mods,$(1)),$(foreach m,$(call mods,$(1)),$(call modobj,$(m))),$(B)/libtwlab.a)
unitsrc = $(filter %/$(1).c,$(UNIT_SRCS))
.SECONDEXPANSION:
$(UNIT): $(B)/tests/%: $$(call unitsrc,$$*) $$(call objs,$$(call unitsrc,$$*)) | $(B)/tests
	@echo "  TEST    $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Itests -o $@ $< $(call wraps,$<) $(call objs,$<) $(LDLIBS) -lcmocka
$(B)/tests/%: tests/bpf/%.c $$(call objs,tests/bpf/$$*.c) | $(B)/tests
	@echo "  TEST    $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Itests -o $@ $< $(call wraps,$<) $(call objs,$<) $(LDLIBS) -lcmocka
$(B)/tests/%: tests/net/%.c $$(call objs,tests/net/$$*.c) | $(B)/tests
	@echo "  CC      $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Itests -o $@ $< $(call objs,$<) $(LDLIBS)

$(B)/fuzz_topo: tests/fuzz/fuzz_topo.c $(wildcard src/topo/*.c) | $(B)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
		$(shell pkg-config --cflags inih) -o $@ $^ $(shell pkg-config --libs inih)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
endif
