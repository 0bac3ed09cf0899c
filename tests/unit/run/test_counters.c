// SPDX-License-Identifier: GPL-2.0
/* evidence: counter snapshots of /proc/net/netstat and /proc/net/snmp, and their deltas. */
/* MODULES: evidence */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "run/evidence.h"

/* The header lines of Linux 6.18's /proc/net/netstat and /proc/net/snmp. */
static const char *const netstat_headers[] = {
	"TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts "
	"PruneCalled RcvPruned OfoPruned OutOfWindowIcmps LockDroppedIcmps ArpFilter TW "
	"TWRecycled TWKilled PAWSActive PAWSEstab BeyondWindow TSEcrRejected PAWSOldAck "
	"PAWSTimewait DelayedACKs DelayedACKLocked DelayedACKLost ListenOverflows "
	"ListenDrops TCPHPHits TCPPureAcks TCPHPAcks TCPRenoRecovery TCPSackRecovery "
	"TCPSACKReneging TCPSACKReorder TCPRenoReorder TCPTSReorder TCPFullUndo "
	"TCPPartialUndo TCPDSACKUndo TCPLossUndo TCPLostRetransmit TCPRenoFailures "
	"TCPSackFailures TCPLossFailures TCPFastRetrans TCPSlowStartRetrans TCPTimeouts "
	"TCPLossProbes TCPLossProbeRecovery TCPRenoRecoveryFail TCPSackRecoveryFail "
	"TCPRcvCollapsed TCPBacklogCoalesce TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv "
	"TCPDSACKOfoRecv TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory "
	"TCPAbortOnTimeout TCPAbortOnLinger TCPAbortFailed TCPMemoryPressures "
	"TCPMemoryPressuresChrono TCPSACKDiscard TCPDSACKIgnoredOld "
	"TCPDSACKIgnoredNoUndo TCPSpuriousRTOs TCPMD5NotFound TCPMD5Unexpected "
	"TCPMD5Failure TCPSackShifted TCPSackMerged TCPSackShiftFallback TCPBacklogDrop "
	"PFMemallocDrop TCPMinTTLDrop TCPDeferAcceptDrop IPReversePathFilter "
	"TCPTimeWaitOverflow TCPReqQFullDoCookies TCPReqQFullDrop TCPRetransFail "
	"TCPRcvCoalesce TCPOFOQueue TCPOFODrop TCPOFOMerge TCPChallengeACK "
	"TCPSYNChallenge TCPFastOpenActive TCPFastOpenActiveFail TCPFastOpenPassive "
	"TCPFastOpenPassiveFail TCPFastOpenListenOverflow TCPFastOpenCookieReqd "
	"TCPFastOpenBlackhole TCPSpuriousRtxHostQueues BusyPollRxPackets TCPAutoCorking "
	"TCPFromZeroWindowAdv TCPToZeroWindowAdv TCPWantZeroWindowAdv TCPSynRetrans "
	"TCPOrigDataSent TCPHystartTrainDetect TCPHystartTrainCwnd TCPHystartDelayDetect "
	"TCPHystartDelayCwnd TCPACKSkippedSynRecv TCPACKSkippedPAWS TCPACKSkippedSeq "
	"TCPACKSkippedFinWait2 TCPACKSkippedTimeWait TCPACKSkippedChallenge TCPWinProbe "
	"TCPKeepAlive TCPMTUPFail TCPMTUPSuccess TCPDelivered TCPDeliveredCE "
	"TCPAckCompressed TCPZeroWindowDrop TCPRcvQDrop TCPWqueueTooBig "
	"TCPFastOpenPassiveAltKey TcpTimeoutRehash TcpDuplicateDataRehash "
	"TCPDSACKRecvSegs TCPDSACKIgnoredDubious TCPMigrateReqSuccess "
	"TCPMigrateReqFailure TCPPLBRehash TCPAORequired TCPAOBad TCPAOKeyNotFound "
	"TCPAOGood TCPAODroppedIcmps",
	"IpExt: InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts "
	"OutBcastPkts InOctets OutOctets InMcastOctets OutMcastOctets InBcastOctets "
	"OutBcastOctets InCsumErrors InNoECTPkts InECT1Pkts InECT0Pkts InCEPkts "
	"ReasmOverlaps",
	"MPTcpExt: MPCapableSYNRX MPCapableSYNTX MPCapableSYNACKRX MPCapableACKRX "
	"MPCapableFallbackACK MPCapableFallbackSYNACK MPCapableSYNTXDrop "
	"MPCapableSYNTXDisabled MPCapableEndpAttempt MPFallbackTokenInit MPTCPRetrans "
	"MPJoinNoTokenFound MPJoinSynRx MPJoinSynBackupRx MPJoinSynAckRx "
	"MPJoinSynAckBackupRx MPJoinSynAckHMacFailure MPJoinAckRx MPJoinAckHMacFailure "
	"MPJoinRejected MPJoinSynTx MPJoinSynTxCreatSkErr MPJoinSynTxBindErr "
	"MPJoinSynTxConnectErr DSSNotMatching DSSCorruptionFallback DSSCorruptionReset "
	"InfiniteMapTx InfiniteMapRx DSSNoMatchTCP DataCsumErr OFOQueueTail OFOQueue "
	"OFOMerge NoDSSInWindow DuplicateData AddAddr AddAddrTx AddAddrTxDrop EchoAdd "
	"EchoAddTx EchoAddTxDrop PortAdd AddAddrDrop MPJoinPortSynRx MPJoinPortSynAckRx "
	"MPJoinPortAckRx MismatchPortSynRx MismatchPortAckRx RmAddr RmAddrDrop RmAddrTx "
	"RmAddrTxDrop RmSubflow MPPrioTx MPPrioRx MPFailTx MPFailRx MPFastcloseTx "
	"MPFastcloseRx MPRstTx MPRstRx SubflowStale SubflowRecover SndWndShared "
	"RcvWndShared RcvWndConflictUpdate RcvWndConflict MPCurrEstab Blackhole "
	"MPCapableDataFallback MD5SigFallback DssFallback SimultConnectFallback "
	"FallbackFailed WinProbe",
};

static const char *const snmp_headers[] = {
	"Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams "
	"InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes "
	"ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates "
	"OutTransmits",
	"Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs "
	"InSrcQuenchs InRedirects InEchos InEchoReps InTimestamps InTimestampReps "
	"InAddrMasks InAddrMaskReps OutMsgs OutErrors OutRateLimitGlobal "
	"OutRateLimitHost OutDestUnreachs OutTimeExcds OutParmProbs OutSrcQuenchs "
	"OutRedirects OutEchos OutEchoReps OutTimestamps OutTimestampReps OutAddrMasks "
	"OutAddrMaskReps",
	"IcmpMsg: InType3",
	"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails "
	"EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors",
	"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors "
	"InCsumErrors IgnoredMulti MemErrors",
	"UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors "
	"InCsumErrors IgnoredMulti MemErrors",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Made-up value of the i-th name of a line: distinct per line and position. */
static long long made_up(const char *prefix, size_t i)
{
	if (!strcmp(prefix, "Tcp:") && i == 3)
		return -1;   /* MaxConn, as the kernel prints it */
	return (long long)(strlen(prefix) * 1000 + i * 7 + 3);
}

/* header/value line pairs; bump (when not NULL) adds delta to that Prefix+Name */
static char *proc_text(const char *const *headers, size_t n, const char *bump, long long delta)
{
	size_t cap = 65536, len = 0, i, j;
	char *out = malloc(cap);

	assert_non_null(out);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		char prefix[32], *h = strdup(headers[i]), *save = NULL, *tok;

		assert_non_null(h);
		len += snprintf(out + len, cap - len, "%s\n", h);
		tok = strtok_r(h, " ", &save);
		snprintf(prefix, sizeof(prefix), "%s", tok);
		len += snprintf(out + len, cap - len, "%s", prefix);
		for (j = 0; (tok = strtok_r(NULL, " ", &save)); j++) {
			char name[64];
			long long v = made_up(prefix, j);

			snprintf(name, sizeof(name), "%.*s%s", (int)strlen(prefix) - 1, prefix,
				 tok);
			if (bump && !strcmp(bump, name))
				v += delta;
			len += snprintf(out + len, cap - len, " %lld", v);
		}
		len += snprintf(out + len, cap - len, "\n");
		assert_true(len < cap);
		free(h);
	}
	return out;
}

static size_t n_names(const char *const *headers, size_t n)
{
	size_t i, words = 0;
	const char *p;

	for (i = 0; i < n; i++)
		for (p = headers[i]; *p; p++)
			words += *p == ' ';
	return words;
}

static void test_parse_machine_text(void **state)
{
	char *ns = proc_text(netstat_headers, ARRAY_SIZE(netstat_headers), NULL, 0);
	char *sn = proc_text(snmp_headers, ARRAY_SIZE(snmp_headers), NULL, 0);
	struct counters c;

	assert_int_equal(counters_parse(ns, sn, &c), 0);
	assert_int_equal(c.n, n_names(netstat_headers, ARRAY_SIZE(netstat_headers)) +
			      n_names(snmp_headers, ARRAY_SIZE(snmp_headers)));
	/* PAWSTimewait is the 19th TcpExt name (index 18) */
	assert_int_equal(counters_get(&c, "TcpExtPAWSTimewait"), made_up("TcpExt:", 18));
	assert_int_equal(counters_get(&c, "TcpExtSyncookiesSent"), made_up("TcpExt:", 0));
	/* Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails
	 * EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors */
	assert_int_equal(counters_get(&c, "TcpOutRsts"), made_up("Tcp:", 13));
	assert_int_equal(counters_get(&c, "TcpActiveOpens"), made_up("Tcp:", 4));
	assert_true(counters_get(&c, "TcpMaxConn") == UINT64_MAX);
	assert_int_equal((int64_t)counters_get(&c, "TcpMaxConn"), -1);
	/* IpExt: InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts OutBcastPkts
	 * InOctets */
	assert_int_equal(counters_get(&c, "IpExtInOctets"), made_up("IpExt:", 6));
	assert_int_equal(counters_get(&c, "UdpLiteInErrors"), made_up("UdpLite:", 2));
	assert_int_equal(counters_get(&c, "UdpInErrors"), made_up("Udp:", 2));
	assert_int_equal(counters_get(&c, "IcmpMsgInType3"), made_up("IcmpMsg:", 0));
	/* a Tcp name must not be found as a TcpExt one and the other way round */
	assert_int_equal(counters_get(&c, "TcpExtOutRsts"), 0);
	assert_int_equal(counters_get(&c, "TcpPAWSTimewait"), 0);
	counters_free(&c);
	assert_null(c.v);
	assert_int_equal(c.n, 0);
	free(ns);
	free(sn);
}

static void test_parse_simple_values(void **state)
{
	struct counters c;

	assert_int_equal(counters_parse("TcpExt: A B\nTcpExt: 0 18446744073709551615\n"
					"IpExt: InOctets\nIpExt: 26688209",   /* no final newline */
					NULL, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(counters_get(&c, "TcpExtA"), 0);
	assert_true(counters_get(&c, "TcpExtB") == UINT64_MAX);
	assert_int_equal(counters_get(&c, "IpExtInOctets"), 26688209);
	counters_free(&c);

	/* both absent, or empty: an empty snapshot */
	assert_int_equal(counters_parse(NULL, NULL, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(counters_get(&c, "TcpOutRsts"), 0);
	counters_free(&c);
	assert_int_equal(counters_parse("", "", &c), 0);
	assert_int_equal(c.n, 0);
	counters_free(&c);
}

static void test_parse_mismatch(void **state)
{
	static const char *const bad[] = {
		"Tcp: A B C\nTcp: 1 2\n",            /* fewer values */
		"Tcp: A B\nTcp: 1 2 3\n",            /* more values */
		"Tcp: A B\nUdp: 1 2\n",              /* another prefix */
		"Tcp: A B\n",                        /* no value line */
		"Tcp: A B\nTcp: 1 2\nUdp: A\n",      /* odd line count */
		"Tcp: A B\nTcp: 1 x\n",              /* not a number */
		"Tcp: A B\nTcp: 1 -\n",
		"Tcp: A B\nTcp: 1 2x\n",
		"Tcp A B\nTcp 1 2\n",                /* no prefix */
	};
	struct counters c = { .v = (void *)&c, .n = 4242 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(counters_parse(bad[i], NULL, &c), -EINVAL);
		assert_int_equal(counters_parse(NULL, bad[i], &c), -EINVAL);
		/* out-parameter untouched on failure */
		assert_ptr_equal(c.v, &c);
		assert_int_equal(c.n, 4242);
	}
	/* one good file does not save a bad one */
	assert_int_equal(counters_parse("Tcp: A\nTcp: 1\n", bad[0], &c), -EINVAL);
}

static void assert_delta(json_t *d, const char *name, json_int_t want)
{
	json_t *v = json_object_get(d, name);

	assert_non_null(v);
	assert_true(json_is_integer(v));
	assert_int_equal(json_integer_value(v), want);
}

static void test_delta_signs(void **state)
{
	struct counters before, after;
	json_t *d;

	assert_int_equal(counters_parse("TcpExt: PAWSTimewait TW\nTcpExt: 5 9\n",
					"Tcp: MaxConn CurrEstab OutRsts\nTcp: -1 7 10\n",
					&before), 0);
	/* TWRecycled is new (absent before: counts from 0) */
	assert_int_equal(counters_parse("TcpExt: PAWSTimewait TW TWRecycled\nTcpExt: 8 9 4\n",
					"Tcp: MaxConn CurrEstab OutRsts\nTcp: -1 2 10\n",
					&after), 0);
	d = counters_delta_json(&before, &after);
	assert_non_null(d);
	assert_int_equal(json_object_size(d), 3);
	assert_delta(d, "TcpExtPAWSTimewait", 3);
	assert_delta(d, "TcpCurrEstab", -5);
	assert_delta(d, "TcpExtTWRecycled", 4);
	assert_null(json_object_get(d, "TcpExtTW"));
	assert_null(json_object_get(d, "TcpMaxConn"));
	assert_null(json_object_get(d, "TcpOutRsts"));
	json_decref(d);

	/* the other way round: signs flip, a vanished counter is not reported */
	d = counters_delta_json(&after, &before);
	assert_int_equal(json_object_size(d), 2);
	assert_delta(d, "TcpExtPAWSTimewait", -3);
	assert_delta(d, "TcpCurrEstab", 5);
	json_decref(d);

	/* no change: an empty object, never NULL */
	d = counters_delta_json(&before, &before);
	assert_non_null(d);
	assert_true(json_is_object(d));
	assert_int_equal(json_object_size(d), 0);
	json_decref(d);
	counters_free(&before);
	counters_free(&after);
}

static void test_delta_machine_text(void **state)
{
	char *ns0 = proc_text(netstat_headers, ARRAY_SIZE(netstat_headers), NULL, 0);
	char *sn0 = proc_text(snmp_headers, ARRAY_SIZE(snmp_headers), NULL, 0);
	char *ns1 = proc_text(netstat_headers, ARRAY_SIZE(netstat_headers),
			      "TcpExtPAWSTimewait", 13);
	char *sn1 = proc_text(snmp_headers, ARRAY_SIZE(snmp_headers), "TcpOutRsts", 2);
	struct counters a, b;
	json_t *d;

	assert_int_equal(counters_parse(ns0, sn0, &a), 0);
	assert_int_equal(counters_parse(ns1, sn1, &b), 0);
	d = counters_delta_json(&a, &b);
	assert_int_equal(json_object_size(d), 2);
	assert_delta(d, "TcpExtPAWSTimewait", 13);
	assert_delta(d, "TcpOutRsts", 2);
	json_decref(d);
	counters_free(&a);
	counters_free(&b);
	free(ns0);
	free(sn0);
	free(ns1);
	free(sn1);
}

static void test_read_own_netns(void **state)
{
	struct counters c;

	assert_int_equal(counters_read(&c), 0);
	assert_true(c.n > 100);
	/* Tcp MaxConn is -1 on every Linux */
	assert_int_equal((int64_t)counters_get(&c, "TcpMaxConn"), -1);
	assert_int_equal(counters_get(&c, "TcpRtoAlgorithm"), 1);
	counters_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_machine_text),
		cmocka_unit_test(test_parse_simple_values),
		cmocka_unit_test(test_parse_mismatch),
		cmocka_unit_test(test_delta_signs),
		cmocka_unit_test(test_delta_machine_text),
		cmocka_unit_test(test_read_own_netns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
