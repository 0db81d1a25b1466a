/* Kernel-internal types that hogwatch.bpf.c reads, trimmed to the fields it uses.
 *
 * Not a full `bpftool btf dump file /sys/kernel/btf/vmlinux format c` (2.8 MB, and tied to
 * the build machine's kernel): every struct here carries preserve_access_index, so clang
 * emits CO-RE relocations and the loader moves each field access to wherever the running
 * kernel's BTF puts it. Only the field names must exist in the running kernel; their
 * offsets, the structs' sizes and the other members do not matter. Types that userspace
 * sees too (struct __sk_buff, struct bpf_sock) come from the UAPI <linux/bpf.h>.
 */
#ifndef HOGWATCH_VMLINUX_H
#define HOGWATCH_VMLINUX_H

#include <linux/types.h>

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

typedef struct { int counter; } atomic_t;

struct net {
	__u64 net_cookie; /* since 5.12 (an atomic64_t `cookie` before) */
};

typedef struct {
	struct net *net;
} possible_net_t;

struct sock_common {
	unsigned short skc_family;
	possible_net_t skc_net;
};

struct sock {
	struct sock_common __sk_common;
};

struct signal_struct {
	atomic_t live; /* threads of the group not yet past do_exit's accounting */
};

struct task_struct {
	int pid;
	int tgid;
	struct signal_struct *signal;
};

#pragma clang attribute pop

#endif
