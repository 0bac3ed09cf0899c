#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Each SYN's fate on the server's link, and what Linux 4.11's tcp_tw_recycle predicts for it.

Reads `tshark -T fields` lines (see FIELDS) of a capture of the server's link on stdin and prints
one JSON object: {"syns": [...], "dropped": N, "mismatches": N, ...}. For each SYN to --port:

  seen      what the wire says: "passed" when the server answered it (a SYN-ACK or an RST whose
            ack is the SYN's seq + 1, on the reversed 4-tuple), else "dropped"
  predicted what 4.11's rule says, written here from its source and not from the gate
            (docs/kernel-notes.md §1): per peer address a record {ts, stamp}; written when the
            server, having sent FIN first, gets the peer's FIN (tcp_time_wait /
            tcp_tw_remember_stamp) or, before that, a bare ACK of its FIN (the orphaned
            FIN_WAIT1 socket: tcp_time_wait(sk, TCP_FIN_WAIT2)); replaced when not older, or
            when older by more than --msl whole seconds and stamped no later than the offer
            (tcp_remember_stamp); a SYN dropped when the record is younger than --msl whole
            seconds (get_seconds(): the wire's epoch seconds, floored) and its TSval is behind
            by more than --window, or it has no timestamp (tcp_peer_is_proven).

Only what the scenarios of boundaries.sh need: no SYN-RECV retransmits, no TIME_WAIT reuse.
"""
import argparse
import json
import math
import sys

FIELDS = ["frame.time_epoch", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "tcp.flags",
          "tcp.seq_raw", "tcp.ack_raw", "tcp.len", "tcp.options.timestamp.tsval"]
FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10


def s32(x):
    x &= 0xffffffff
    return x - (1 << 32) if x >= 1 << 31 else x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--msl", type=int, default=60, help="TCP_PAWS_MSL, whole seconds")
    ap.add_argument("--window", type=int, default=1, help="TCP_PAWS_WINDOW")
    ap.add_argument("--fields", action="store_true", help="print the tshark -e list and exit")
    a = ap.parse_args()
    if a.fields:
        print(" ".join("-e " + f for f in FIELDS))
        return 0

    pkts = []
    for line in sys.stdin:
        f = line.rstrip("\n").split("\t")
        if len(f) < len(FIELDS) or not f[5]:
            continue
        ts = f[9].split(",")[0]
        pkts.append(dict(t=float(f[0]), src=f[1], dst=f[2], sport=int(f[3]), dport=int(f[4]),
                         flags=int(f[5], 16), seq=int(f[6]), ack=int(f[7] or 0),
                         len=int(f[8] or 0), tsval=int(ts) if ts else None))
    pkts.sort(key=lambda p: p["t"])

    records = {}   # peer address -> {"ts", "stamp"} (stamp: whole seconds)
    conns = {}     # (peer, pport) -> state
    syns = []

    def remember(peer, c, now):
        if c["stamp"] is None:
            return
        r = records.get(peer)
        if (r is None or s32(r["ts"] - c["ts_recent"]) <= 0 or
                (math.floor(now) - r["stamp"] > a.msl and r["stamp"] <= c["stamp"])):
            records[peer] = {"ts": c["ts_recent"], "stamp": c["stamp"]}

    for p in pkts:
        to_srv = p["dport"] == a.port
        if to_srv:
            key, peer = (p["src"], p["sport"]), p["src"]
        else:
            key, peer = (p["dst"], p["dport"]), p["dst"]
        fl = p["flags"]
        if to_srv and fl & (SYN | ACK | RST) == SYN:
            r = records.get(peer)
            drop = False
            if r is not None and math.floor(p["t"]) - r["stamp"] < a.msl:
                drop = p["tsval"] is None or s32(r["ts"] - p["tsval"]) > a.window
            syns.append(dict(t=p["t"], src=peer, sport=p["sport"], seq=p["seq"],
                             tsval=p["tsval"], rec_ts=r["ts"] if r else None,
                             rec_age=math.floor(p["t"]) - r["stamp"] if r else None,
                             predicted="dropped" if drop else "passed", seen="dropped"))
            if not drop:
                conns[key] = dict(ts_recent=p["tsval"], stamp=None if p["tsval"] is None
                                  else math.floor(p["t"]), ts_ok=p["tsval"] is not None,
                                  wup=None, srv_fin=None, peer_fin=False, fw2=False, done=False)
            continue
        if not to_srv and fl & (SYN | RST):
            # the answer to a SYN: SYN-ACK or RST acking seq + 1
            for s in reversed(syns):
                if (s["src"], s["sport"]) == key and (s["seq"] + 1) & 0xffffffff == p["ack"]:
                    s["seen"] = "passed"
                    break
        c = conns.get(key)
        if c is None or c["done"]:
            continue
        if fl & RST:
            c["done"] = True
            continue
        if not to_srv:
            if fl & SYN and p["tsval"] is None:
                c["ts_ok"] = False
            if fl & ACK:
                c["wup"] = p["ack"]
            if fl & FIN and not c["peer_fin"]:
                c["srv_fin"] = (p["seq"] + p["len"] + 1) & 0xffffffff
            continue
        if not c["ts_ok"] or p["tsval"] is None:
            if fl & FIN and c["srv_fin"] is not None:
                c["done"] = True
            elif fl & FIN:
                c["peer_fin"] = True
            continue
        # tcp_replace_ts_recent(): in order (not beyond what the server acked) and not older
        if (fl & ACK and c["wup"] is not None and s32(p["seq"] - c["wup"]) <= 0 and
                s32(c["ts_recent"] - p["tsval"]) <= 0):
            c["ts_recent"], c["stamp"] = p["tsval"], math.floor(p["t"])
        elif c["fw2"] and fl & FIN and s32(c["ts_recent"] - p["tsval"]) <= 0:
            c["ts_recent"], c["stamp"] = p["tsval"], math.floor(p["t"])
        if fl & FIN:
            if c["srv_fin"] is not None:
                remember(peer, c, p["t"])
                c["done"] = True
            else:
                c["peer_fin"] = True
        elif (c["srv_fin"] is not None and not c["peer_fin"] and not c["fw2"] and fl & ACK and
              p["ack"] == c["srv_fin"] and p["len"] == 0):
            remember(peer, c, p["t"])
            c["fw2"] = True

    out = dict(syns=syns, total=len(syns),
               dropped=sum(s["seen"] == "dropped" for s in syns),
               predicted_dropped=sum(s["predicted"] == "dropped" for s in syns),
               mismatches=sum(s["seen"] != s["predicted"] for s in syns))
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
