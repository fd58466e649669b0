package main

// The commits between the parsed source (Debian's 6.12.117) and the
// running 6.18.44 that change an answer of the table, as data. Each is
// named by its subject (and upstream commit id where known); the patches
// are on the bpf mailing list (lore.kernel.org/bpf).
const (
	commitTraceHelpers = "ee971630f20f bpf: Allow some trace helpers for all prog types (v6.16)"
	commitReadValue    = "bpf: make perf_event_read_output accessible from BPF core when available (v6.15)"
	commitWriteUser    = "bpf: Refactor bpf_tracing_func_proto() and remove bpf_get_probe_write_proto() (v6.13)"
	commitNetnsTC      = "bpf: add get_netns_cookie helper to tc programs (v6.15)"
	commitNetnsCgSKB   = "bpf: add get_netns_cookie helper to cgroup_skb programs (v6.15)"
	// 6.12.112 took "bpf: Disallow bpf_skb_pull_data() for LWT_SEG6LOCAL"
	// from stable; the live 6.18.44 answers skb_pull_data for
	// lwt_seg6local with lwt_out's bpf_skb_pull_data_proto, so it does not
	// have it: the 6.12 case is undone.
	// 6.12.111 took "bpf: Reject non-scalar bpf_loop iteration counts"
	// (ARG_SCALAR for bpf_loop's nr_loops) from stable; 6.18.44's enum
	// bpf_arg_type has no ARG_SCALAR (its BTF), so its bpf_loop_proto has
	// the earlier ARG_ANYTHING.
	commitLoopScalar = "6.18.44 lacks 6.12.111's stable \"bpf: Reject non-scalar bpf_loop iteration counts\" (no ARG_SCALAR in its BTF)"
	commitSeg6Pull   = "6.18.44 lacks 6.12.112's stable \"bpf: Disallow bpf_skb_pull_data() for LWT_SEG6LOCAL\" (live kernel)"
)

// delta618 returns 6.18's changes (see delta).
func delta618() *delta {
	d := &delta{rules: map[[2]string]rule{}, protos: map[string]*protoDef{}, exported: map[string]bool{},
		fields: map[string]map[string]fieldChange{}}
	add := func(fn, helper string, r rule) { d.rules[[2]string{fn, helper}] = r }

	// bpf_base_func_proto gains, in its first switch (no capability):
	add("bpf_base_func_proto", "get_current_uid_gid", rule{proto: "bpf_get_current_uid_gid_proto", why: commitTraceHelpers})
	// after the CAP_BPF check:
	capBPF := []string{"CAP_BPF"}
	add("bpf_base_func_proto", "current_task_under_cgroup", rule{proto: "bpf_current_task_under_cgroup_proto", caps: capBPF, config: []string{"CONFIG_CGROUPS"}, why: commitTraceHelpers})
	add("bpf_base_func_proto", "get_cgroup_classid", rule{proto: "bpf_get_cgroup_classid_curr_proto", caps: capBPF, config: []string{"CONFIG_CGROUP_NET_CLASSID"}, why: commitTraceHelpers})
	add("bpf_base_func_proto", "task_storage_get", rule{proto: "bpf_task_storage_get_proto", recur: "bpf_task_storage_get_recur_proto", caps: capBPF, why: commitTraceHelpers})
	add("bpf_base_func_proto", "task_storage_delete", rule{proto: "bpf_task_storage_delete_proto", recur: "bpf_task_storage_delete_recur_proto", caps: capBPF, why: commitTraceHelpers})
	// after the CAP_PERFMON check:
	perf := []string{"CAP_BPF", "CAP_PERFMON"}
	for _, h := range [][2]string{
		{"get_current_comm", "bpf_get_current_comm_proto"},
		{"copy_from_user", "bpf_copy_from_user_proto"},
		{"copy_from_user_task", "bpf_copy_from_user_task_proto"},
		{"perf_event_read", "bpf_perf_event_read_proto"},
		{"send_signal", "bpf_send_signal_proto"},
		{"send_signal_thread", "bpf_send_signal_thread_proto"},
		{"get_branch_snapshot", "bpf_get_branch_snapshot_proto"},
		{"find_vma", "bpf_find_vma_proto"},
	} {
		add("bpf_base_func_proto", h[0], rule{proto: h[1], caps: perf, why: commitTraceHelpers})
	}
	add("bpf_base_func_proto", "get_task_stack", rule{proto: "bpf_get_task_stack_proto", sleepable: "bpf_get_task_stack_sleepable_proto", caps: perf, why: commitTraceHelpers})
	// bpf_get_perf_event_read_value_proto() returns the static proto of
	// kernel/trace/bpf_trace.c
	add("bpf_base_func_proto", "perf_event_read_value", rule{proto: "bpf_perf_event_read_value_proto", caps: perf, why: commitReadValue})
	for _, p := range []string{"bpf_perf_event_read_proto", "bpf_send_signal_proto", "bpf_send_signal_thread_proto",
		"bpf_get_branch_snapshot_proto", "bpf_perf_event_read_value_proto"} {
		d.exported[p] = true
	}
	// ... and bpf_tracing_func_proto drops these cases (its default now
	// breaks to bpf_base_func_proto, commitWriteUser): the same
	// prototypes, reached through the base's capability checks.
	for _, h := range []string{"get_current_uid_gid", "get_current_comm", "perf_event_read", "current_task_under_cgroup",
		"send_signal", "send_signal_thread", "get_task_stack", "copy_from_user", "copy_from_user_task",
		"task_storage_get", "task_storage_delete", "get_branch_snapshot", "find_vma"} {
		add("bpf_tracing_func_proto", h, rule{proto: fallThrough, why: commitTraceHelpers})
	}
	// sk_msg_func_proto drops its own cases for these two (the base has them)
	add("sk_msg_func_proto", "get_current_uid_gid", rule{proto: fallThrough, why: commitTraceHelpers})
	add("sk_msg_func_proto", "get_cgroup_classid", rule{proto: fallThrough, why: commitTraceHelpers})

	// probe_write_user: after the base and a CAP_SYS_ADMIN check, still
	// refused under lockdown
	add("bpf_tracing_func_proto", "probe_write_user", rule{proto: "bpf_probe_write_user_proto", caps: []string{"CAP_SYS_ADMIN"},
		lockdown: "LOCKDOWN_BPF_WRITE_USER", why: commitWriteUser})

	// get_netns_cookie for tc and (through sk_filter_func_proto) socket
	// filters and cgroup_skb, with a new prototype in net/core/filter.c
	d.protos["bpf_get_netns_cookie_proto"] = mkProto("net/core/filter.c", "bpf_get_netns_cookie_proto", [][2]string{
		{"func", "bpf_get_netns_cookie"},
		{"ret_type", "RET_INTEGER"},
		{"arg1_type", "ARG_PTR_TO_CTX_OR_NULL"},
	})
	add("tc_cls_act_func_proto", "get_netns_cookie", rule{proto: "bpf_get_netns_cookie_proto", why: commitNetnsTC})
	add("sk_filter_func_proto", "get_netns_cookie", rule{proto: "bpf_get_netns_cookie_proto", why: commitNetnsCgSKB})

	add("lwt_seg6local_func_proto", "skb_pull_data", rule{proto: fallThrough, why: commitSeg6Pull})

	d.fields["bpf_loop_proto"] = map[string]fieldChange{"arg1_type": {"ARG_ANYTHING", commitLoopScalar}}
	return d
}
