package verifier

// The message catalog: every kernel message the simulator prints, with an
// ID, its format (messages.go) and the kernel function that prints it. A
// rejection's Result carries the ID of its message (Result.MessageID), so
// that tools read IDs, never prefixes of text.

// MsgID names a kernel message. The zero value is MsgNone: no message, or
// one verisim does not catalog (an Unsupported or Oops answer's own text).
type MsgID uint16

// Message IDs, one per format of messages.go.
const (
	MsgNone MsgID = iota
	MsgLDXReserved
	MsgSTXReserved
	MsgInvalidLdImm64
	MsgUnrecognized
	MsgFdNotMap
	MsgFdIdxNoArray
	MsgDirectOffset
	MsgNoDirectAccess
	MsgInvalidMapAccess
	MsgMapLimit
	MsgUnknownOpcode
	MsgCgroupStorage
	MsgTracePrealloc
	MsgPerfPrealloc
	MsgArenaOne
	MsgArenaUserAddr
	MsgBadModuleFD
	MsgMissingBTF
	MsgInvalidBTFID
	MsgNotVarOrFunc
	MsgNotVar
	MsgBTFIDImm1
	MsgNoKsymAddr
	MsgUnresolvedSize
	MsgBTFLimit
	MsgBTFLoadMissing
	MsgCallInvalidDest
	MsgTooManySubprogs
	MsgJumpOutOfRange
	MsgLastInsn
	MsgLdAbsSubprog
	MsgTailCallSubprog
	MsgFuncInfo
	MsgBackEdge
	MsgUnreachable
	MsgJumpIntoLdImm
	MsgTooLarge
	MsgJumpSeq
	MsgInvalidLdMode
	MsgSTReserved
	MsgRegInvalid
	MsgRegNotRead
	MsgFPReadOnly
	MsgInvalidLdImm
	MsgLdImmReserved
	MsgMisconfigured
	MsgMissingFuncInf
	MsgNegReserved
	MsgEndReserved
	MsgMovReserved
	MsgALUReserved
	MsgDivByZero
	MsgInvalidShift
	MsgAddrSpaceCast
	MsgAddrSpaceArena
	MsgPtrPtr
	MsgPtr32
	MsgPtrOnType
	MsgSubPtrFromScal
	MsgSubFromStack
	MsgPtrBitwise
	MsgPtrArithOp
	MsgPtrMaybeNull
	MsgPtrMath
	MsgPtrOffset
	MsgPtrUnboundedMin
	MsgPtrOutOfBounds
	MsgJAReserved
	MsgExitReserved
	MsgCallReserved
	MsgJmpReserved
	MsgMayGotoImm
	MsgMayGotoOffImm
	MsgVerifierStats
	MsgExitNotKnown
	MsgExitRange618
	MsgExitRange59
	MsgOopsBTFNull
	MsgOopsSignExt
	MsgOopsNoBTF
	MsgOopsPrintName
	MsgFuncInfoFirst
	MsgFuncInfoOrder
	MsgFuncInfoType
	MsgFuncInfoCount
	MsgFuncInfoLayout
	MsgLdAbsReturn
	MsgTailCallReturn
	MsgLineInfoOff
	MsgLineInfoCode
	MsgLineInfoName
	MsgLineInfoMissing
	MsgLineInfoMissingN
	MsgInvalidFunc
	MsgHelperNotForType
	MsgHelperGPL
	MsgHelperMightSleep
	MsgMisaligned
	MsgInvalidMemAccess
	MsgStackBounds
	MsgStackBoundsVar
	MsgStackUnboundedVar
	MsgSpillSize
	MsgFillSize
	MsgInvalidCtxAccess
	MsgNegativeOffPtr
	MsgModifiedPtr
	MsgPtrMismatch
	MsgMapValueAccess
	MsgMinOutside
	MsgMaxOutside
	MsgMinNegative
	MsgUnboundedAccess
	MsgVariablePtr
	MsgMisalignedPkt
	MsgPktWrite
	MsgPktAccess
	MsgPktOutside
	MsgMapWrite
	MsgMapRead
	MsgInsnStateBug
	MsgInvalidInsnIdx
	MsgLdImmSrcBug
	MsgInvalidALUOp
	MsgInvalidJmpOp
	MsgStructOpsMap
	MsgFDArrayCntBig
	MsgFdNotMapOrBTF
	MsgSizeNegative
	MsgSizeZero
	MsgSizeUnbounded
	MsgZeroSizedRead
	MsgVarOffNoReg
	MsgAtomicOpcode
	MsgAtomicSize
	MsgAtomicPtrType
	MsgArgType
	MsgInfiniteLoop
	MsgRefLeak
	MsgNotConstSize
	MsgReleaseOff
	MsgMapFuncCompat
	MsgLdAbsType
	MsgLdAbsReserved
	MsgLdAbsR6
	MsgTailCallMap
	MsgHelperPktAccess
	MsgLocalStorageFlags
	numMsgs
)

// MsgInfo describes a catalogued message.
type MsgInfo struct {
	ID MsgID
	// Name is the ID's Go name without "Msg", e.g. "RegNotRead".
	Name string
	// Format is the kernel's format, as verbose() prints it (without the
	// newline), e.g. "R%d !read_ok".
	Format string
	// Func is the kernel function that prints it (kernel/bpf/verifier.c
	// unless the message says otherwise), e.g. "__check_reg_arg".
	Func string
}

var catalog = [numMsgs]MsgInfo{
	MsgLDXReserved:       {MsgLDXReserved, "LDXReserved", msgLDXReserved, "resolve_pseudo_ldimm64"},
	MsgSTXReserved:       {MsgSTXReserved, "STXReserved", msgSTXReserved, "do_check_insn"},
	MsgInvalidLdImm64:    {MsgInvalidLdImm64, "InvalidLdImm64", msgInvalidLdImm64, "resolve_pseudo_ldimm64"},
	MsgUnrecognized:      {MsgUnrecognized, "Unrecognized", msgUnrecognized, "resolve_pseudo_ldimm64"},
	MsgFdNotMap:          {MsgFdNotMap, "FdNotMap", msgFdNotMap, "resolve_pseudo_ldimm64"},
	MsgFdIdxNoArray:      {MsgFdIdxNoArray, "FdIdxNoArray", msgFdIdxNoArray, "resolve_pseudo_ldimm64"},
	MsgDirectOffset:      {MsgDirectOffset, "DirectOffset", msgDirectOffset, "resolve_pseudo_ldimm64"},
	MsgNoDirectAccess:    {MsgNoDirectAccess, "NoDirectAccess", msgNoDirectAccess, "resolve_pseudo_ldimm64"},
	MsgInvalidMapAccess:  {MsgInvalidMapAccess, "InvalidMapAccess", msgInvalidMapAccess, "resolve_pseudo_ldimm64"},
	MsgMapLimit:          {MsgMapLimit, "MapLimit", msgMapLimit, "__add_used_map"},
	MsgUnknownOpcode:     {MsgUnknownOpcode, "UnknownOpcode", msgUnknownOpcode, "resolve_pseudo_ldimm64"},
	MsgCgroupStorage:     {MsgCgroupStorage, "CgroupStorage", msgCgroupStorage, "check_map_prog_compatibility"},
	MsgTracePrealloc:     {MsgTracePrealloc, "TracePrealloc", msgTracePrealloc, "check_map_prog_compatibility"},
	MsgPerfPrealloc:      {MsgPerfPrealloc, "PerfPrealloc", msgPerfPrealloc, "check_map_prog_compatibility"},
	MsgArenaOne:          {MsgArenaOne, "ArenaOne", msgArenaOne, "check_map_prog_compatibility"},
	MsgArenaUserAddr:     {MsgArenaUserAddr, "ArenaUserAddr", msgArenaUserAddr, "check_map_prog_compatibility"},
	MsgBadModuleFD:       {MsgBadModuleFD, "BadModuleFD", msgBadModuleFD, "check_pseudo_btf_id"},
	MsgMissingBTF:        {MsgMissingBTF, "MissingBTF", msgMissingBTF, "check_pseudo_btf_id"},
	MsgInvalidBTFID:      {MsgInvalidBTFID, "InvalidBTFID", msgInvalidBTFID, "check_pseudo_btf_id"},
	MsgNotVarOrFunc:      {MsgNotVarOrFunc, "NotVarOrFunc", msgNotVarOrFunc, "check_pseudo_btf_id"},
	MsgNotVar:            {MsgNotVar, "NotVar", msgNotVar, "check_pseudo_btf_id"},
	MsgBTFIDImm1:         {MsgBTFIDImm1, "BTFIDImm1", msgBTFIDImm1, "check_pseudo_btf_id"},
	MsgNoKsymAddr:        {MsgNoKsymAddr, "NoKsymAddr", msgNoKsymAddr, "check_pseudo_btf_id"},
	MsgUnresolvedSize:    {MsgUnresolvedSize, "UnresolvedSize", msgUnresolvedSize, "check_pseudo_btf_id"},
	MsgBTFLimit:          {MsgBTFLimit, "BTFLimit", msgBTFLimit, "__add_used_btf"},
	MsgBTFLoadMissing:    {MsgBTFLoadMissing, "BTFLoadMissing", msgBTFLoadMissing, "check_pseudo_btf_id"},
	MsgCallInvalidDest:   {MsgCallInvalidDest, "CallInvalidDest", msgCallInvalidDest, "add_subprog"},
	MsgTooManySubprogs:   {MsgTooManySubprogs, "TooManySubprogs", msgTooManySubprogs, "add_subprog"},
	MsgJumpOutOfRange:    {MsgJumpOutOfRange, "JumpOutOfRange", msgJumpOutOfRange, "check_subprogs"},
	MsgLastInsn:          {MsgLastInsn, "LastInsn", msgLastInsn, "check_subprogs"},
	MsgLdAbsSubprog:      {MsgLdAbsSubprog, "LdAbsSubprog", msgLdAbsSubprog, "check_abnormal_return"},
	MsgTailCallSubprog:   {MsgTailCallSubprog, "TailCallSubprog", msgTailCallSubprog, "check_abnormal_return"},
	MsgFuncInfo:          {MsgFuncInfo, "FuncInfo", msgFuncInfo, "check_subprogs"},
	MsgBackEdge:          {MsgBackEdge, "BackEdge", msgBackEdge, "check_cfg"},
	MsgUnreachable:       {MsgUnreachable, "Unreachable", msgUnreachable, "check_cfg"},
	MsgJumpIntoLdImm:     {MsgJumpIntoLdImm, "JumpIntoLdImm", msgJumpIntoLdImm, "check_cfg"},
	MsgTooLarge:          {MsgTooLarge, "TooLarge", msgTooLarge, "do_check"},
	MsgJumpSeq:           {MsgJumpSeq, "JumpSeq", msgJumpSeq, "push_stack"},
	MsgInfiniteLoop:      {MsgInfiniteLoop, "InfiniteLoop", msgInfiniteLoop, "is_state_visited"},
	MsgRefLeak:           {MsgRefLeak, "RefLeak", msgRefLeak, "check_resource_leak"},
	MsgNotConstSize:      {MsgNotConstSize, "NotConstSize", msgNotConstSize, "check_func_arg"},
	MsgReleaseOff:        {MsgReleaseOff, "ReleaseOff", msgReleaseOff, "check_func_arg_reg_off"},
	MsgMapFuncCompat:     {MsgMapFuncCompat, "MapFuncCompat", msgMapFuncCompat, "check_map_func_compatibility"},
	MsgLdAbsType:         {MsgLdAbsType, "LdAbsType", msgLdAbsType, "check_ld_abs"},
	MsgLdAbsReserved:     {MsgLdAbsReserved, "LdAbsReserved", msgLdAbsReserved, "check_ld_abs"},
	MsgLdAbsR6:           {MsgLdAbsR6, "LdAbsR6", msgLdAbsR6, "check_ld_abs"},
	MsgTailCallMap:       {MsgTailCallMap, "TailCallMap", msgTailCallMap, "record_func_key"},
	MsgHelperPktAccess:   {MsgHelperPktAccess, "HelperPktAccess", msgHelperPktAccess, "check_func_arg"},
	MsgLocalStorageFlags: {MsgLocalStorageFlags, "LocalStorageFlags", msgLocalStorageFlags, "check_helper_call"},
	MsgInvalidLdMode:     {MsgInvalidLdMode, "InvalidLdMode", msgInvalidLdMode, "do_check_insn"},
	MsgSTReserved:        {MsgSTReserved, "STReserved", msgSTReserved, "do_check_insn"},
	MsgRegInvalid:        {MsgRegInvalid, "RegInvalid", msgRegInvalid, "__check_reg_arg"},
	MsgRegNotRead:        {MsgRegNotRead, "RegNotRead", msgRegNotRead, "__check_reg_arg"},
	MsgFPReadOnly:        {MsgFPReadOnly, "FPReadOnly", msgFPReadOnly, "__check_reg_arg"},
	MsgInvalidLdImm:      {MsgInvalidLdImm, "InvalidLdImm", msgInvalidLdImm, "check_ld_imm"},
	MsgLdImmReserved:     {MsgLdImmReserved, "LdImmReserved", msgLdImmReserved, "check_ld_imm"},
	MsgMisconfigured:     {MsgMisconfigured, "Misconfigured", msgMisconfigured, "check_ld_imm"},
	MsgMissingFuncInf:    {MsgMissingFuncInf, "MissingFuncInf", msgMissingFuncInf, "check_ld_imm"},
	MsgNegReserved:       {MsgNegReserved, "NegReserved", msgNegReserved, "check_alu_op"},
	MsgEndReserved:       {MsgEndReserved, "EndReserved", msgEndReserved, "check_alu_op"},
	MsgMovReserved:       {MsgMovReserved, "MovReserved", msgMovReserved, "check_alu_op"},
	MsgALUReserved:       {MsgALUReserved, "ALUReserved", msgALUReserved, "check_alu_op"},
	MsgDivByZero:         {MsgDivByZero, "DivByZero", msgDivByZero, "check_alu_op"},
	MsgInvalidShift:      {MsgInvalidShift, "InvalidShift", msgInvalidShift, "check_alu_op"},
	MsgAddrSpaceCast:     {MsgAddrSpaceCast, "AddrSpaceCast", msgAddrSpaceCast, "check_alu_op"},
	MsgAddrSpaceArena:    {MsgAddrSpaceArena, "AddrSpaceArena", msgAddrSpaceArena, "check_alu_op"},
	MsgPtrPtr:            {MsgPtrPtr, "PtrPtr", msgPtrPtr, "adjust_reg_min_max_vals"},
	MsgPtr32:             {MsgPtr32, "Ptr32", msgPtr32, "adjust_ptr_min_max_vals"},
	MsgPtrOnType:         {MsgPtrOnType, "PtrOnType", msgPtrOnType, "adjust_ptr_min_max_vals"},
	MsgSubPtrFromScal:    {MsgSubPtrFromScal, "SubPtrFromScal", msgSubPtrFromScal, "adjust_ptr_min_max_vals"},
	MsgSubFromStack:      {MsgSubFromStack, "SubFromStack", msgSubFromStack, "adjust_ptr_min_max_vals"},
	MsgPtrBitwise:        {MsgPtrBitwise, "PtrBitwise", msgPtrBitwise, "adjust_ptr_min_max_vals"},
	MsgPtrArithOp:        {MsgPtrArithOp, "PtrArithOp", msgPtrArithOp, "adjust_ptr_min_max_vals"},
	MsgPtrMaybeNull:      {MsgPtrMaybeNull, "PtrMaybeNull", msgPtrMaybeNull, "adjust_ptr_min_max_vals"},
	MsgPtrMath:           {MsgPtrMath, "PtrMath", msgPtrMath, "check_reg_sane_offset"},
	MsgPtrOffset:         {MsgPtrOffset, "PtrOffset", msgPtrOffset, "check_reg_sane_offset"},
	MsgPtrUnboundedMin:   {MsgPtrUnboundedMin, "PtrUnboundedMin", msgPtrUnboundedMin, "check_reg_sane_offset"},
	MsgPtrOutOfBounds:    {MsgPtrOutOfBounds, "PtrOutOfBounds", msgPtrOutOfBounds, "check_reg_sane_offset"},
	MsgJAReserved:        {MsgJAReserved, "JAReserved", msgJAReserved, "do_check_insn"},
	MsgExitReserved:      {MsgExitReserved, "ExitReserved", msgExitReserved, "do_check_insn"},
	MsgCallReserved:      {MsgCallReserved, "CallReserved", msgCallReserved, "do_check_insn"},
	MsgJmpReserved:       {MsgJmpReserved, "JmpReserved", msgJmpReserved, "check_cond_jmp_op"},
	MsgMayGotoImm:        {MsgMayGotoImm, "MayGotoImm", msgMayGotoImm, "do_check_insn"},
	MsgMayGotoOffImm:     {MsgMayGotoOffImm, "MayGotoOffImm", msgMayGotoOffImm, "do_check_insn"},
	MsgVerifierStats:     {MsgVerifierStats, "VerifierStats", msgVerifierStats, "print_verification_stats"},
	MsgExitNotKnown:      {MsgExitNotKnown, "ExitNotKnown", msgExitNotKnown, "check_return_code"},
	MsgExitRange618:      {MsgExitRange618, "ExitRange618", msgExitRange618, "check_return_code"},
	MsgExitRange59:       {MsgExitRange59, "ExitRange59", msgExitRange59, "check_return_code"},
	MsgOopsBTFNull:       {MsgOopsBTFNull, "OopsBTFNull", msgOopsBTFNull, "check_ld_imm"},
	MsgOopsSignExt:       {MsgOopsSignExt, "OopsSignExt", msgOopsSignExt, "check_ld_imm"},
	MsgOopsNoBTF:         {MsgOopsNoBTF, "OopsNoBTF", msgOopsNoBTF, "check_ld_imm"},
	MsgOopsPrintName:     {MsgOopsPrintName, "OopsPrintName", msgOopsPrintName, "print_verifier_state"},
	MsgFuncInfoFirst:     {MsgFuncInfoFirst, "FuncInfoFirst", msgFuncInfoFirst, "check_btf_func_early"},
	MsgFuncInfoOrder:     {MsgFuncInfoOrder, "FuncInfoOrder", msgFuncInfoOrder, "check_btf_func_early"},
	MsgFuncInfoType:      {MsgFuncInfoType, "FuncInfoType", msgFuncInfoType, "check_btf_func_early"},
	MsgFuncInfoCount:     {MsgFuncInfoCount, "FuncInfoCount", msgFuncInfoCount, "check_btf_func"},
	MsgFuncInfoLayout:    {MsgFuncInfoLayout, "FuncInfoLayout", msgFuncInfoLayout, "check_btf_func"},
	MsgLdAbsReturn:       {MsgLdAbsReturn, "LdAbsReturn", msgLdAbsReturn, "check_btf_func"},
	MsgTailCallReturn:    {MsgTailCallReturn, "TailCallReturn", msgTailCallReturn, "check_btf_func"},
	MsgLineInfoOff:       {MsgLineInfoOff, "LineInfoOff", msgLineInfoOff, "check_btf_line"},
	MsgLineInfoCode:      {MsgLineInfoCode, "LineInfoCode", msgLineInfoCode, "check_btf_line"},
	MsgLineInfoName:      {MsgLineInfoName, "LineInfoName", msgLineInfoName, "check_btf_line"},
	MsgLineInfoMissing:   {MsgLineInfoMissing, "LineInfoMissing", msgLineInfoMissing, "check_btf_line"},
	MsgLineInfoMissingN:  {MsgLineInfoMissingN, "LineInfoMissingN", msgLineInfoMissingN, "check_btf_line"},
	MsgInvalidFunc:       {MsgInvalidFunc, "InvalidFunc", msgInvalidFunc, "check_helper_call"},
	MsgHelperNotForType:  {MsgHelperNotForType, "HelperNotForType", msgHelperNotForType, "check_helper_call"},
	MsgHelperGPL:         {MsgHelperGPL, "HelperGPL", msgHelperGPL, "check_helper_call"},
	MsgHelperMightSleep:  {MsgHelperMightSleep, "HelperMightSleep", msgHelperMightSleep, "check_helper_call"},
	MsgMisaligned:        {MsgMisaligned, "Misaligned", msgMisaligned, "check_generic_ptr_alignment"},
	MsgInvalidMemAccess:  {MsgInvalidMemAccess, "InvalidMemAccess", msgInvalidMemAccess, "check_mem_access"},
	MsgStackBounds:       {MsgStackBounds, "StackBounds", msgStackBounds, "check_stack_access_within_bounds"},
	MsgStackBoundsVar:    {MsgStackBoundsVar, "StackBoundsVar", msgStackBoundsVar, "check_stack_access_within_bounds"},
	MsgStackUnboundedVar: {MsgStackUnboundedVar, "StackUnboundedVar", msgStackUnboundedVar, "check_stack_access_within_bounds"},
	MsgSpillSize:         {MsgSpillSize, "SpillSize", msgSpillSize, "check_stack_write_fixed_off"},
	MsgFillSize:          {MsgFillSize, "FillSize", msgFillSize, "check_stack_read_fixed_off"},
	MsgInvalidCtxAccess:  {MsgInvalidCtxAccess, "InvalidCtxAccess", msgInvalidCtxAccess, "check_ctx_access"},
	MsgNegativeOffPtr:    {MsgNegativeOffPtr, "NegativeOffPtr", msgNegativeOffPtr, "__check_ptr_off_reg"},
	MsgModifiedPtr:       {MsgModifiedPtr, "ModifiedPtr", msgModifiedPtr, "__check_ptr_off_reg"},
	MsgPtrMismatch:       {MsgPtrMismatch, "PtrMismatch", msgPtrMismatch, "save_aux_ptr_type"},
	MsgMapValueAccess:    {MsgMapValueAccess, "MapValueAccess", msgMapValueAccess, "__check_mem_access"},
	MsgMinOutside:        {MsgMinOutside, "MinOutside", msgMinOutside, "check_mem_region_access"},
	MsgMaxOutside:        {MsgMaxOutside, "MaxOutside", msgMaxOutside, "check_mem_region_access"},
	MsgMinNegative:       {MsgMinNegative, "MinNegative", msgMinNegative, "check_mem_region_access"},
	MsgUnboundedAccess:   {MsgUnboundedAccess, "UnboundedAccess", msgUnboundedAccess, "check_mem_region_access"},
	MsgVariablePtr:       {MsgVariablePtr, "VariablePtr", msgVariablePtr, "__check_ptr_off_reg"},
	MsgMisalignedPkt:     {MsgMisalignedPkt, "MisalignedPkt", msgMisalignedPkt, "check_pkt_ptr_alignment"},
	MsgPktWrite:          {MsgPktWrite, "PktWrite", msgPktWrite, "check_mem_access"},
	MsgPktAccess:         {MsgPktAccess, "PktAccess", msgPktAccess, "__check_mem_access"},
	MsgPktOutside:        {MsgPktOutside, "PktOutside", msgPktOutside, "check_packet_access"},
	MsgMapWrite:          {MsgMapWrite, "MapWrite", msgMapWrite, "check_map_access_type"},
	MsgMapRead:           {MsgMapRead, "MapRead", msgMapRead, "check_map_access_type"},
	MsgInsnStateBug:      {MsgInsnStateBug, "InsnStateBug", msgInsnStateBug, "check_cfg"},
	MsgInvalidInsnIdx:    {MsgInvalidInsnIdx, "InvalidInsnIdx", msgInvalidInsnIdx, "do_check"},
	MsgLdImmSrcBug:       {MsgLdImmSrcBug, "LdImmSrcBug", msgLdImmSrcBug, "check_ld_imm"},
	MsgInvalidALUOp:      {MsgInvalidALUOp, "InvalidALUOp", msgInvalidALUOp, "check_alu_op"},
	MsgInvalidJmpOp:      {MsgInvalidJmpOp, "InvalidJmpOp", msgInvalidJmpOp, "check_cond_jmp_op"},
	MsgStructOpsMap:      {MsgStructOpsMap, "StructOpsMap", msgStructOpsMap, "check_map_prog_compatibility"},
	MsgFDArrayCntBig:     {MsgFDArrayCntBig, "FDArrayCntBig", msgFDArrayCntBig, "process_fd_array"},
	MsgFdNotMapOrBTF:     {MsgFdNotMapOrBTF, "FdNotMapOrBTF", msgFdNotMapOrBTF, "add_fd_from_fd_array"},
	MsgSizeNegative:      {MsgSizeNegative, "SizeNegative", msgSizeNegative, "check_mem_size_reg"},
	MsgSizeZero:          {MsgSizeZero, "SizeZero", msgSizeZero, "check_mem_size_reg"},
	MsgSizeUnbounded:     {MsgSizeUnbounded, "SizeUnbounded", msgSizeUnbounded, "check_mem_size_reg"},
	MsgZeroSizedRead:     {MsgZeroSizedRead, "ZeroSizedRead", msgZeroSizedRead, "check_stack_range_initialized"},
	MsgVarOffNoReg:       {MsgVarOffNoReg, "VarOffNoReg", msgVarOffNoReg, "check_stack_read"},
	MsgAtomicOpcode:      {MsgAtomicOpcode, "AtomicOpcode", msgAtomicOpcode, "check_atomic"},
	MsgAtomicSize:        {MsgAtomicSize, "AtomicSize", msgAtomicSize, "check_atomic_rmw"},
	MsgAtomicPtrType:     {MsgAtomicPtrType, "AtomicPtrType", msgAtomicPtrType, "check_atomic_rmw"},
	MsgArgType:           {MsgArgType, "ArgType", msgArgType, "check_reg_type"},
}

// msgByFormat finds a rejection's ID from its format (only when
// verification ends, so the map costs nothing on the hot path).
var msgByFormat = func() map[string]MsgID {
	m := make(map[string]MsgID, numMsgs)
	for i := MsgID(1); i < numMsgs; i++ {
		m[catalog[i].Format] = i
	}
	return m
}()

// Info returns the message's entry; the zero MsgInfo for MsgNone or an
// unknown ID.
func (id MsgID) Info() MsgInfo {
	if id == MsgNone || id >= numMsgs {
		return MsgInfo{}
	}
	return catalog[id]
}

// String returns the ID's name, e.g. "RegNotRead", or "none".
func (id MsgID) String() string {
	if id == MsgNone || id >= numMsgs {
		return "none"
	}
	return catalog[id].Name
}

// Messages returns the catalog, in ID order.
func Messages() []MsgInfo { return append([]MsgInfo(nil), catalog[1:]...) }
