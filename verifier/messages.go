package verifier

// Kernel message formats, each with the function that prints it
// (kernel/bpf/verifier.c unless noted) and the kernels it applies to. The
// log adds a newline; Result.Message has none. Never type a kernel message
// anywhere else.
const (
	// replace_map_fd_with_map_ptr (5.9) / resolve_pseudo_ldimm64 (6.18)
	msgLDXReserved      = "BPF_LDX uses reserved fields"
	msgSTXReserved      = "BPF_STX uses reserved fields" // 5.9 pre-pass; do_check_insn since 5.12
	msgInvalidLdImm64   = "invalid bpf_ld_imm64 insn"
	msgUnrecognized     = "unrecognized bpf_ld_imm64 insn"
	msgFdNotMap         = "fd %d is not pointing to valid bpf_map"
	msgFdIdxNoArray     = "fd_idx without fd_array is invalid"                               // 6.18
	msgDirectOffset     = "direct value offset of %d is not allowed"                         // %u in the kernel
	msgNoDirectAccess   = "no direct value access support for this map type"                 //
	msgInvalidMapAccess = "invalid access to map value pointer, value_size=%d off=%d"        // %u %u
	msgMapLimit         = "The total number of maps per program has reached the limit of %d" // 6.18, __add_used_map
	msgUnknownOpcode    = "unknown opcode %02x"
	msgCgroupStorage    = "only one cgroup storage of each type is allowed" // check_map_prog_compatibility
	msgTracePrealloc    = "trace type programs with run-time allocated hash maps are unsafe. Switch to preallocated hash maps."
	msgPerfPrealloc     = "perf_event programs can only use preallocated hash map"
	msgArenaOne         = "Only one arena per program"
	msgArenaUserAddr    = "arena's user address must be set via map_extra or mmap()"

	// check_pseudo_btf_id / __check_pseudo_btf_id / __add_used_btf (6.18)
	msgBadModuleFD    = "invalid module BTF object FD specified."
	msgMissingBTF     = "kernel is missing BTF, make sure CONFIG_DEBUG_INFO_BTF=y is specified in Kconfig."
	msgInvalidBTFID   = "ldimm64 insn specifies invalid btf_id %d."
	msgNotVarOrFunc   = "pseudo btf_id %d in ldimm64 isn't KIND_VAR or KIND_FUNC"
	msgNotVar         = "pseudo btf_id %d in ldimm64 isn't KIND_VAR."                         // before FeatKsymFunc
	msgBTFIDImm1      = "reserved field (insn[1].imm) is used in pseudo_btf_id ldimm64 insn." // before FeatKsymModuleBTF
	msgNoKsymAddr     = "ldimm64 failed to find the address for kernel symbol '%s'."
	msgUnresolvedSize = "ldimm64 unable to resolve the size of type '%s': %d"
	msgBTFLimit       = "The total number of btfs per program has reached the limit of %d"
	msgBTFLoadMissing = "in-kernel BTF is malformed" // not reachable: corrupt BTF is bad input here

	// add_subprog_and_kfunc / add_subprog / check_subprogs / check_abnormal_return
	msgCallInvalidDest = "call to invalid destination"
	msgTooManySubprogs = "too many subprograms"
	msgJumpOutOfRange  = "jump out of range from insn %d to %d"
	msgLastInsn        = "last insn is not an exit or jmp"
	msgLdAbsSubprog    = "LD_ABS is not allowed in subprogs without BTF"
	msgTailCallSubprog = "tail_call is not allowed in subprogs without BTF"
	msgFuncInfo        = "func#%d @%d" // LEVEL2

	// check_cfg / push_insn
	msgBackEdge      = "back-edge from insn %d to %d"
	msgUnreachable   = "unreachable insn %d"
	msgJumpIntoLdImm = "jump into the middle of ldimm64 insn %d" // 6.7+

	// do_check / do_check_insn / push_stack
	msgTooLarge = "BPF program is too large. Processed %d insn"
	msgJumpSeq  = "The sequence of %d jumps is too complex."
	// msgInfiniteLoop is the last line is_state_visited prints for an
	// infinite loop, after "infinite loop detected at insn %d" and the
	// current state.
	msgInfiniteLoop  = "old state:%s"
	msgInvalidLdMode = "invalid BPF_LD mode"
	msgSTReserved    = "BPF_ST uses reserved fields"

	// __check_reg_arg
	msgRegInvalid = "R%d is invalid"
	msgRegNotRead = "R%d !read_ok"
	msgFPReadOnly = "frame pointer is read only"

	// check_ld_imm
	msgInvalidLdImm   = "invalid BPF_LD_IMM insn"
	msgLdImmReserved  = "BPF_LD_IMM64 uses reserved fields"
	msgMisconfigured  = "bpf verifier is misconfigured" // 5.9
	msgMissingFuncInf = "missing btf func_info"         // 6.18, BPF_PSEUDO_FUNC

	// check_alu_op
	msgNegReserved    = "BPF_NEG uses reserved fields"
	msgEndReserved    = "BPF_END uses reserved fields"
	msgMovReserved    = "BPF_MOV uses reserved fields"
	msgALUReserved    = "BPF_ALU uses reserved fields"
	msgDivByZero      = "div by zero"
	msgInvalidShift   = "invalid shift %d"
	msgAddrSpaceCast  = "addr_space_cast insn can only convert between address space 1 and 0"
	msgAddrSpaceArena = "addr_space_cast insn can only be used in a program that has an associated arena"
	msgPtrPtr         = "R%d pointer %s pointer prohibited"
	msgPtr32          = "R%d 32-bit pointer arithmetic prohibited"
	msgPtrOnType      = "R%d pointer arithmetic on %s prohibited"
	msgSubPtrFromScal = "R%d tried to subtract pointer from scalar"
	msgSubFromStack   = "R%d subtraction from stack pointer prohibited"
	msgPtrBitwise     = "R%d bitwise operator %s on pointer prohibited"
	msgPtrArithOp     = "R%d pointer arithmetic with %s operator prohibited"
	msgPtrMaybeNull   = "R%d pointer arithmetic on %s prohibited, null-check it first"
	// check_reg_sane_offset
	msgPtrMath         = "math between %s pointer and %d is not allowed"
	msgPtrOffset       = "%s pointer offset %d is not allowed"
	msgPtrUnboundedMin = "math between %s pointer and register with unbounded min value is not allowed"
	msgPtrOutOfBounds  = "value %d makes %s pointer be out of bounds"

	// do_check_insn jumps / check_cond_jmp_op
	msgJAReserved    = "BPF_JA uses reserved fields"
	msgExitReserved  = "BPF_EXIT uses reserved fields"
	msgCallReserved  = "BPF_CALL uses reserved fields"
	msgJmpReserved   = "BPF_JMP/JMP32 uses reserved fields"
	msgMayGotoImm    = "invalid may_goto imm %d"
	msgMayGotoOffImm = "invalid may_goto off %d imm %d" // before FeatMayGotoOff0
	msgVerifierStats = "processed %d insns (limit %d) max_states_per_insn %d total_states %d peak_states %d mark_read %d"
)

// check_return_code
const (
	msgExitNotKnown  = "At program exit the register R0 is not a known value (%s)"
	msgExitRange618  = "At program exit the register R0 has%s should have been in [%d, %d]"
	msgExitRange59   = "At program exit the register R0 has %s should have been in (0x0; 0x1)"
	msgOopsBTFNull   = "oops: btf id %d (insn[0].off = %d, insn[1].off = %d) is past the last vmlinux BTF type (%d types): btf_type_by_id returns NULL and the RFC's check_ld_imm dereferences it (t->type)"
	msgOopsSignExt   = "oops: btf id %d was split into insn[0].off = %d; the RFC widens the s16 to 0x%08x and btf_type_by_id returns NULL: the RFC kernel dereferences NULL here"
	msgOopsNoBTF     = "oops: there is no vmlinux BTF (CONFIG_DEBUG_INFO_BTF off): btf_type_by_id(NULL, %d) in the RFC's check_ld_imm dereferences NULL"
	msgOopsPrintName = "oops: R%d has btf_id %d, past the last vmlinux BTF type (%d types): printing it, kernel_type_name dereferences NULL"
)

// The program's BTF (check_btf_func_early, check_btf_func, check_btf_line,
// v6.18). The first three have no newline in the kernel either.
const (
	msgFuncInfoFirst    = "nonzero insn_off %d for the first func info record"
	msgFuncInfoOrder    = "same or smaller insn offset (%d) than previous func info record (%d)"
	msgFuncInfoType     = "invalid type id %d in func info"
	msgFuncInfoCount    = "number of funcs in func_info doesn't match number of subprogs"
	msgFuncInfoLayout   = "func_info BTF section doesn't match subprog layout in BPF program"
	msgLdAbsReturn      = "LD_ABS is only allowed in functions that return 'int'."
	msgTailCallReturn   = "tail_call is only allowed in functions that return 'int'."
	msgLineInfoOff      = "Invalid line_info[%d].insn_off:%d (prev_offset:%d prog->len:%d)"
	msgLineInfoCode     = "Invalid insn code at line_info[%d].insn_off"
	msgLineInfoName     = "Invalid line_info[%d].line_off or .file_name_off"
	msgLineInfoMissing  = "missing bpf_line_info for func#%d"
	msgLineInfoMissingN = "missing bpf_line_info for %d funcs starting from func#%d"
)

// check_helper_call (v6.18).
const (
	msgInvalidFunc       = "invalid func %s#%d"
	msgHelperNotForType  = "program of this type cannot use helper %s#%d"
	msgHelperGPL         = "cannot call GPL-restricted function from non-GPL compatible program"
	msgHelperMightSleep  = "helper call might sleep in a non-sleepable prog"
	msgSizeNegative      = "R%d min value is negative, either use unsigned or 'var &= const'"                               // check_mem_size_reg
	msgSizeZero          = "R%d invalid zero-sized read: u64=[%d,%d]"                                                       // check_mem_size_reg
	msgSizeUnbounded     = "R%d unbounded memory access, use 'var &= const' or 'if (var < const)'"                          // check_mem_size_reg
	msgZeroSizedRead     = "invalid zero-sized read"                                                                        // check_stack_range_initialized
	msgMemAccess         = "invalid access to memory, mem_size=%d off=%d size=%d"                                           // __check_mem_access
	msgLdAbsType         = "BPF_LD_[ABS|IND] instructions not allowed for this program type"                                // check_ld_abs
	msgLdAbsReserved     = "BPF_LD_[ABS|IND] uses reserved fields"                                                          // check_ld_abs
	msgLdAbsR6           = "at the time of BPF_LD_ABS|IND R6 != pointer to skb"                                             // check_ld_abs
	msgTailCallMap       = "expected prog array map for tail call"                                                          // record_func_key (no newline)
	msgHelperPktAccess   = "helper access to the packet is not allowed"                                                     // check_func_arg
	msgLocalStorageFlags = "get_local_storage() doesn't support non-zero flags"                                             // check_helper_call
	msgUnreleasedRef     = "Unreleased reference id=%d alloc_insn=%d"                                                       // check_reference_leak
	msgRefLeak           = "%s would lead to reference leak"                                                                // check_resource_leak
	msgNotConstSize      = "R%d is not a known constant'"                                                                   // check_func_arg
	msgReleaseOff        = "R%d must have zero offset when passed to release func or trusted arg to kfunc"                  // check_func_arg_reg_off
	msgMapFuncCompat     = "cannot pass map_type %d into func %s#%d"                                                        // check_map_func_compatibility
	msgArgType           = "R%d type=%s expected=%s"                                                                        // check_reg_type
	msgVarOffNoReg       = "variable offset stack pointer cannot be passed into helper function; var_off=%s off=%d size=%d" // check_stack_read
	msgAtomicOpcode      = "BPF_ATOMIC uses invalid atomic opcode %02x"                                                     // check_atomic
	msgAtomicSize        = "invalid atomic operand size"                                                                    // check_atomic_rmw
	msgAtomicPtrType     = "BPF_ATOMIC stores into R%d %s is not allowed"                                                   // check_atomic_rmw
)

// check_mem_access and the stack (check_ptr_alignment,
// check_stack_access_within_bounds, check_stack_{read,write}_fixed_off).
const (
	msgMisaligned        = "misaligned %saccess off %s+%d+%d size %d"
	msgInvalidMemAccess  = "R%d invalid mem access '%s'"
	msgStackBounds       = "invalid%s stack R%d off=%d size=%d"
	msgStackBoundsVar    = "invalid variable-offset%s stack R%d var_off=%s off=%d size=%d"
	msgStackUnboundedVar = "invalid unbounded variable-offset%s stack R%d"
	msgSpillSize         = "invalid size of register spill"
	msgFillSize          = "invalid size of register fill"
	msgInvalidCtxAccess  = "invalid bpf_context access off=%d size=%d"    // check_ctx_access
	msgNegativeOffPtr    = "negative offset %s ptr R%d off=%d disallowed" // __check_ptr_off_reg
	msgModifiedPtr       = "dereference of modified %s ptr R%d off=%d disallowed"
	msgPtrMismatch       = "same insn cannot be used with different pointers"          // save_aux_ptr_type
	msgMapValueAccess    = "invalid access to map value, value_size=%d off=%d size=%d" // __check_mem_access
	msgMinOutside        = "R%d min value is outside of the allowed memory range"      // check_mem_region_access
	msgMaxOutside        = "R%d max value is outside of the allowed memory range"
	msgMinNegative       = "R%d min value is negative, either use unsigned index or do a if (index >=0) check."
	msgUnboundedAccess   = "R%d unbounded memory access, make sure to bounds check any such access"
	msgVariablePtr       = "variable %s access var_off=%s disallowed"         // __check_ptr_off_reg
	msgMisalignedPkt     = "misaligned packet access off %d+%s+%d+%d size %d" // check_pkt_ptr_alignment
	msgPktWrite          = "cannot write into packet"
	msgPktAccess         = "invalid access to packet, off=%d size=%d, R%d(id=%d,off=%d,r=%d)" // __check_mem_access
	msgPktOutside        = "R%d offset is outside of the packet"                              // check_packet_access
	msgMapWrite          = "write into map forbidden, value_size=%d off=%d size=%d"           // check_map_access_type
	msgMapRead           = "read from map forbidden, value_size=%d off=%d size=%d"
)

// Internal errors and the rest of the pre-pass and do_check.
const (
	msgInsnStateBug   = "insn state internal bug"                            // check_cfg
	msgInvalidInsnIdx = "invalid insn idx %d insn_cnt %d"                    // do_check
	msgLdImmSrcBug    = "verifier bug: unexpected src reg value for ldimm64" // check_ld_imm
	msgInvalidALUOp   = "invalid BPF_ALU opcode %x"                          // check_alu_op
	msgInvalidJmpOp   = "invalid BPF_JMP/JMP32 opcode %x"                    // check_cond_jmp_op
	msgStructOpsMap   = "bpf_struct_ops map cannot be used in prog"          // check_map_prog_compatibility
	msgFDArrayCntBig  = "fd_array_cnt is too big (%d)"                       // process_fd_array
	msgFdNotMapOrBTF  = "fd %d is not pointing to valid bpf_map or btf"      // add_fd_from_fd_array
)
