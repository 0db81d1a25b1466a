// SPDX-License-Identifier: MIT OR GPL-2.0
/* hogwatch's kernel side: bytes of every IP packet of a local socket, charged to the
 * process that owns the socket, per network namespace, device and direction.
 *
 * - cgroup/sock_create (every inet socket, in the creating process): cookie -> owner.
 * - tp_btf/sock_send_length, tp_btf/sock_recv_length (Linux >= 6.3; optional): after each
 *   send/recv on an inet socket, in the caller's context, the caller becomes the socket's
 *   owner. This is what finds the owner of accepted sockets (cloned in softirq, never
 *   through sock_create), of sockets made before we were loaded, and of sockets handed to
 *   another process (fork, fd passing): the last process that sent or received is charged.
 *   Packets of a socket whose owner is not known yet are parked per cookie in `pending`
 *   and charged to the owner when it shows up.
 * - Where those two are missing (Linux < 6.3, e.g. Debian 12's 6.1), two older tracepoints
 *   stand in for them for TCP: tp_btf/tcp_rcv_space_adjust fires in the reader's context
 *   in each recvmsg that copied data, and tp_btf/inet_sock_set_state's ESTABLISHED ->
 *   FIN_WAIT1 and CLOSE_WAIT -> LAST_ACK happen only in close()/shutdown(), in the
 *   closer's context; for UDP, cgroup/sendmsg4/6 and cgroup/recvmsg4/6 run in the
 *   caller's context when it sends to or receives with an address. So an accepted socket
 *   belongs to the process that reads it or closes it, and its bytes so far (parked) go
 *   to that process. TCP sends alone do not move a socket there: until its next read or
 *   close, a socket handed to another process stays with the one that had it; and a UDP
 *   socket made before hogwatch started that is only read with recv() (no address) stays
 *   parked (unattributed).
 * - cgroup_skb/egress, cgroup_skb/ingress on the cgroup v2 root (every process): add
 *   skb->len (the IP packet, headers included, no link-layer header) to
 *   traffic[netns, tgid, ifindex]. Always return 1: we count, we never drop.
 * - tp_btf/sched_process_exit: when the last thread of a process exits, mark its tgid in
 *   `exited`, so that userspace reports the process's last bytes and then drops them.
 * - The first time a process owns a socket, its tgid goes to the `news` ring buffer, so
 *   that userspace reads its executable and command line from /proc while it still runs.
 *
 * Every map has a fixed size. `owners` and `pending` are LRU (a socket can vanish without
 * us seeing it); `traffic` and `exited` are plain hashes emptied by userspace, and a failed
 * insert there is counted in `counters`, never silent.
 */
#include "vmlinux.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define AF_INET 2
#define AF_INET6 10
#define TASK_COMM_LEN 16

/* The owner of a socket. */
struct owner {
	__u64 netns; /* network namespace cookie (0: unknown) */
	__u32 tgid;
	__u32 uid;
	char comm[TASK_COMM_LEN];
};

/* One process on one device. tgid 0: packets of no socket, or whose owner was lost. */
struct tkey {
	__u64 netns;
	__u32 tgid;
	__u32 ifindex;
};

struct tval {
	__u64 sent; /* bytes, egress */
	__u64 recv; /* bytes, ingress */
	__u32 uid;
	__u32 _pad;
	char comm[TASK_COMM_LEN]; /* the owner's name when the entry was made */
};

/* Bytes of a socket whose owner is not known yet (first device seen only). */
struct pend {
	__u64 sent;
	__u64 recv;
	__u32 ifindex;
	__u32 _pad;
};

/* Indices of `counters`; userspace prints them by name (keep in step with ebpf.rs). */
enum {
	C_OWNER_FULL,   /* an owner could not be stored */
	C_TRAFFIC_FULL, /* a traffic entry could not be made: those bytes are lost */
	C_PENDING_FULL, /* a pending entry could not be made: bytes charged to tgid 0 */
	C_NO_SOCKET,    /* packets without a socket (cookie 0): charged to tgid 0 */
	C_PARKED,       /* packets parked in `pending` */
	C_ADOPTED,      /* sockets whose owner was set or changed by send/recv */
	C_EXIT_FULL,    /* an exit could not be marked: userspace finds it in /proc */
	C_LOST_BYTES,   /* bytes of the packets that C_TRAFFIC_FULL counts */
	C_NEWS_LOST,    /* a new owner could not be announced (ring buffer full) */
	C_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct owner);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tkey);
	__type(value, struct tval);
} traffic SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pend);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} exited SEC(".maps");

/* Processes already announced in `news` (dropped at exit: a reused pid is new again). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} announced SEC(".maps");

/* tgids of processes that just became a socket's owner for the first time: userspace reads
 * their executable and command line from /proc at once, while they are still there (a
 * short-lived one may be gone by the next interval). 4-byte records; 64 KiB. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} news SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count_n(__u32 which, __u64 by)
{
	__u64 *n = bpf_map_lookup_elem(&counters, &which);
	if (n)
		*n += by; /* per-CPU: no other CPU writes this slot */
}

static __always_inline void count(__u32 which)
{
	count_n(which, 1);
}

/* Tells userspace about the first socket of process `tgid` (once per process). */
static __always_inline void announce(__u32 tgid)
{
	__u8 one = 1;
	if (bpf_map_lookup_elem(&announced, &tgid))
		return;
	if (bpf_ringbuf_output(&news, &tgid, sizeof(tgid), 0)) {
		count(C_NEWS_LOST);
		return; /* not marked: the next socket tries again */
	}
	bpf_map_update_elem(&announced, &tgid, &one, BPF_ANY);
}

static __always_inline void owner_of_current(struct owner *o, __u64 netns)
{
	o->netns = netns;
	o->tgid = bpf_get_current_pid_tgid() >> 32;
	o->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

/* Adds bytes to traffic[key], making the entry (with uid and comm) on first use. */
static __always_inline void charge(struct tkey *key, __u32 uid, const char *comm,
				   __u64 sent, __u64 recv)
{
	struct tval *v = bpf_map_lookup_elem(&traffic, key);
	if (!v) {
		struct tval fresh = { .uid = uid };
		if (comm)
			__builtin_memcpy(fresh.comm, comm, TASK_COMM_LEN);
		/* NOEXIST: another CPU may have made it meanwhile; then we add to theirs. */
		bpf_map_update_elem(&traffic, key, &fresh, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&traffic, key);
		if (!v) {
			count(C_TRAFFIC_FULL);
			count_n(C_LOST_BYTES, sent + recv);
			return;
		}
	}
	if (sent)
		__sync_fetch_and_add(&v->sent, sent);
	if (recv)
		__sync_fetch_and_add(&v->recv, recv);
}

static __always_inline void charge_nobody(__u32 ifindex, __u64 sent, __u64 recv)
{
	struct tkey key = { .ifindex = ifindex };
	charge(&key, 0, 0, sent, recv);
}

static __always_inline int account(struct __sk_buff *skb, int egress)
{
	__u64 len = skb->len, cookie = bpf_get_socket_cookie(skb);
	__u32 ifindex = skb->ifindex;
	__u64 sent = egress ? len : 0, recv = egress ? 0 : len;

	if (!cookie) {
		count(C_NO_SOCKET);
		charge_nobody(ifindex, sent, recv);
		return 1;
	}
	struct owner *o = bpf_map_lookup_elem(&owners, &cookie);
	if (o) {
		struct tkey key = { .netns = o->netns, .tgid = o->tgid, .ifindex = ifindex };
		charge(&key, o->uid, o->comm, sent, recv);
		return 1;
	}
	count(C_PARKED);
	struct pend *p = bpf_map_lookup_elem(&pending, &cookie);
	if (!p) {
		struct pend fresh = { .ifindex = ifindex };
		bpf_map_update_elem(&pending, &cookie, &fresh, BPF_NOEXIST);
		p = bpf_map_lookup_elem(&pending, &cookie);
	}
	if (!p || p->ifindex != ifindex) {
		if (!p)
			count(C_PENDING_FULL);
		charge_nobody(ifindex, sent, recv);
		return 1;
	}
	if (sent)
		__sync_fetch_and_add(&p->sent, sent);
	if (recv)
		__sync_fetch_and_add(&p->recv, recv);
	return 1;
}

SEC("cgroup_skb/egress")
int hw_egress(struct __sk_buff *skb)
{
	return account(skb, 1);
}

SEC("cgroup_skb/ingress")
int hw_ingress(struct __sk_buff *skb)
{
	return account(skb, 0);
}

SEC("cgroup/sock_create")
int hw_sock_create(struct bpf_sock *sk)
{
	__u64 cookie = bpf_get_socket_cookie(sk);
	struct owner o = {};

	owner_of_current(&o, bpf_get_netns_cookie(sk));
	if (bpf_map_update_elem(&owners, &cookie, &o, BPF_ANY))
		count(C_OWNER_FULL);
	announce(o.tgid);
	return 1; /* allow the socket */
}

/* The current process owns the socket `cookie` from now on; parked bytes go to it. */
static __always_inline void adopt_cookie(__u64 cookie, __u64 netns)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct owner *known = bpf_map_lookup_elem(&owners, &cookie);
	if (known && known->tgid == tgid)
		return; /* the common case: one lookup per call */

	struct owner o = {};
	owner_of_current(&o, netns);
	if (bpf_map_update_elem(&owners, &cookie, &o, BPF_ANY))
		count(C_OWNER_FULL);
	count(C_ADOPTED);
	announce(o.tgid);

	struct pend *p = bpf_map_lookup_elem(&pending, &cookie);
	if (p) {
		struct tkey key = { .netns = o.netns, .tgid = o.tgid, .ifindex = p->ifindex };
		charge(&key, o.uid, o.comm, p->sent, p->recv);
		bpf_map_delete_elem(&pending, &cookie);
	}
}

/* The caller of a send/recv on `sk` owns it from now on (inet sockets only). */
static __always_inline void adopt(struct sock *sk)
{
	unsigned short family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return;
	adopt_cookie(bpf_get_socket_cookie(sk),
		     BPF_CORE_READ(sk, __sk_common.skc_net.net, net_cookie));
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(hw_send, struct sock *sk, int ret, int flags)
{
	if (ret > 0)
		adopt(sk);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(hw_recv, struct sock *sk, int ret, int flags)
{
	if (ret > 0)
		adopt(sk);
	return 0;
}

/* Where sock_recv_length is missing (Linux < 6.3): tcp_recvmsg calls this in the reader's
 * context after copying data (the tracepoint exists since 4.19). */
SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(hw_rcv_space, struct sock *sk)
{
	adopt(sk);
	return 0;
}

#define TCP_ESTABLISHED 1
#define TCP_FIN_WAIT1 4
#define TCP_CLOSE_WAIT 8
#define TCP_LAST_ACK 9

/* Where sock_send_length is missing (Linux < 6.3): a local close()/shutdown() moves a TCP
 * socket from ESTABLISHED to FIN_WAIT1 or from CLOSE_WAIT to LAST_ACK (tcp_close_state),
 * in the closer's context. Every other transition may happen in softirq, where the
 * current task is anybody: those are ignored. (Since 4.16.) */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(hw_closing, struct sock *sk, int oldstate, int newstate)
{
	if ((oldstate == TCP_ESTABLISHED && newstate == TCP_FIN_WAIT1) ||
	    (oldstate == TCP_CLOSE_WAIT && newstate == TCP_LAST_ACK))
		adopt(sk);
	return 0;
}

/* Where sock_send/recv_length are missing: UDP's sendmsg with an address and recvmsg asking
 * for one run these cgroup hooks in the caller's context (since 4.18 and 5.2). They may
 * rewrite the address; we only look. Returning 1 lets the call go on. */
static __always_inline int adopt_udp(struct bpf_sock_addr *ctx)
{
	adopt_cookie(bpf_get_socket_cookie(ctx), bpf_get_netns_cookie(ctx));
	return 1;
}

SEC("cgroup/sendmsg4")
int hw_sendmsg4(struct bpf_sock_addr *ctx)
{
	return adopt_udp(ctx);
}

SEC("cgroup/sendmsg6")
int hw_sendmsg6(struct bpf_sock_addr *ctx)
{
	return adopt_udp(ctx);
}

SEC("cgroup/recvmsg4")
int hw_recvmsg4(struct bpf_sock_addr *ctx)
{
	return adopt_udp(ctx);
}

SEC("cgroup/recvmsg6")
int hw_recvmsg6(struct bpf_sock_addr *ctx)
{
	return adopt_udp(ctx);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(hw_exit, struct task_struct *p)
{
	/* Only when the whole thread group is gone (live drops to 0 before this point). */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	__u32 tgid = BPF_CORE_READ(p, tgid);
	__u8 one = 1;
	if (bpf_map_update_elem(&exited, &tgid, &one, BPF_ANY))
		count(C_EXIT_FULL);
	bpf_map_delete_elem(&announced, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
