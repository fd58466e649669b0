package verifier

import (
	"fmt"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/regstate"
)

// Limits of include/linux/bpf_verifier.h and include/linux/bpf.h.
const (
	maxVarOff   = 1 << 29 // BPF_MAX_VAR_OFF
	maxUsedMaps = 64      // MAX_USED_MAPS
	maxUsedBTFs = 64      // MAX_USED_BTFS
)

// Simulated kernel addresses. The kernel prints real ones (the loader is
// privileged); these only need to look like them, and the oracle
// normalises addresses before comparing.
const (
	mapAddrBase  = 0xffff888100000000
	arrayValueAt = 0x110 // offsetof(struct bpf_array, value), roughly
)

func (e *env) mapAddr(m *btfctx.Map) uint64 {
	return mapAddrBase + uint64(e.ctx.MapID(m))<<12
}

// rewriteImm records addr as the 64-bit immediate of the ld_imm64 at i, as
// the pre-pass writes it (insn[0].imm = (u32)addr; insn[1].imm = addr >>
// 32). The input slots stay as given; the log prints the rewritten value.
func (e *env) rewriteImm(i int, addr uint64) {
	if e.log.level == 0 {
		return // only the log prints it
	}
	if e.addrs == nil {
		e.addrs = make([]uint64, 0, len(e.orig)/2)
	}
	e.addrs = append(e.addrs, addr)
	e.aux[i].addr = int32(len(e.addrs))
}

// resolvePseudoLdImm64 models resolve_pseudo_ldimm64 (kernel/bpf/verifier.c,
// v6.18) and, for profiles with PrePassFirst, its 5.9 form
// replace_map_fd_with_map_ptr with the RFC's BPF_PSEUDO_BTF_ID skip.
func (e *env) resolvePseudoLdImm64() error {
	fn := "resolve_pseudo_ldimm64"
	if !e.p.Has(FeatResolveAfterSubprogs) {
		fn = "replace_map_fd_with_map_ptr"
	}
	defer e.enter(fn, -1)()
	p := e.p
	prog := e.orig
	n := len(prog)
	for i := 0; i < n; i++ {
		s := prog[i]
		e.at = i
		if s.Class() == insn.ClassLDX && ((s.Mode() != insn.ModeMEM && (!p.Has(FeatMemSX) || s.Mode() != insn.ModeMEMSX)) || s.Imm != 0) {
			return e.reject(EINVAL, msgLDXReserved)
		}
		// 5.9 only: BPF_XADD has the value of BPF_ATOMIC.
		if !p.Has(FeatAtomics) && s.Class() == insn.ClassSTX && ((s.Mode() != insn.ModeMEM && s.Mode() != insn.ModeATOMIC) || s.Imm != 0) {
			return e.reject(EINVAL, msgSTXReserved)
		}
		if s.Code != insn.CodeLdImm64 {
			if !p.Table[s.Code] {
				return e.reject(EINVAL, msgUnknownOpcode, s.Code)
			}
			if e.cfg.Explain {
				e.passed("opcode %#02x is in the instruction table", s.Code)
			}
			continue
		}
		if i == n-1 {
			return e.reject(EINVAL, msgInvalidLdImm64)
		}
		next := prog[i+1]
		if next.Code != 0 || next.Dst != 0 || next.Src != 0 || next.Off != 0 {
			return e.reject(EINVAL, msgInvalidLdImm64)
		}
		if e.cfg.Explain {
			e.passed("the second slot exists and its code, dst_reg, src_reg and off are 0")
		}
		if err := e.resolveLdImm64(i, s, next); err != nil {
			return err
		}
		i++ // skip the second half
	}
	return nil
}

func (e *env) resolveLdImm64(i int, s, next insn.Slot) error {
	p := e.p
	switch {
	case s.Src == 0:
		if e.cfg.Explain {
			e.passed("src_reg 0: a plain 64-bit constant, nothing more to resolve")
		}
		return nil
	case s.Src == insn.PseudoBTFID && p.Has(FeatRFCBTFIDInOffs):
		// The RFC: "pseudo_btf_id load 64-bit imm", nothing is checked
		// here; check_ld_imm decodes the id.
		if e.cfg.Explain {
			e.passed("src_reg 3 (BPF_PSEUDO_BTF_ID): skipped; the RFC decodes it in check_ld_imm")
		}
		return nil
	case s.Src == insn.PseudoBTFID:
		return e.checkPseudoBTFID(i, s, next)
	case s.Src == insn.PseudoFunc && p.Has(FeatPseudoFunc):
		// aux->ptr_type = PTR_TO_FUNC; the target was checked by
		// add_subprog, off by check_ld_imm.
		if e.cfg.Explain {
			e.passed("src_reg 4 (BPF_PSEUDO_FUNC): yields PTR_TO_FUNC; its target was checked by add_subprog")
		}
		return nil
	}
	switch s.Src {
	case insn.PseudoMapFD:
		if next.Imm != 0 {
			return e.reject(EINVAL, msgUnrecognized)
		}
	case insn.PseudoMapValue:
	case insn.PseudoMapIdx, insn.PseudoMapIdxValue:
		if !p.Has(FeatMapIdx) || (s.Src == insn.PseudoMapIdx && next.Imm != 0) {
			return e.reject(EINVAL, msgUnrecognized)
		}
	default:
		return e.reject(EINVAL, msgUnrecognized)
	}
	if e.cfg.Explain {
		e.passed("src_reg %d is a pseudo value this kernel knows (%s)", s.Src, insn.PseudoName(s.Src))
	}

	fd := s.Imm
	if s.Src == insn.PseudoMapIdx || s.Src == insn.PseudoMapIdxValue {
		arr := e.ctx.Decl()
		if !arr.HasFDArray {
			return e.reject(EPROTO, msgFdIdxNoArray)
		}
		// copy_from_bpfptr_offset(fd_array + imm * sizeof(int)): the
		// multiplication is done in size_t, so a negative imm reads
		// before the array. What is there is the caller's memory; the
		// declaration fixes it (btfctx.Decl.FDArray).
		var ok bool
		if fd, ok = arr.FDArrayAt(s.Imm); !ok {
			return e.rejectSilent(EFAULT, fmt.Sprintf("reading fd_array[%d] faults (the array has %d entries)", s.Imm, len(arr.FDArray)))
		}
		if e.cfg.Explain {
			e.passed("fd_array[%d] is fd %d", s.Imm, fd)
		}
	}
	m := e.mapAt(fd)
	if m == nil {
		// __bpf_map_get: -EBADF for a closed fd, -EINVAL for one that is
		// not a map.
		errno := EINVAL
		if e.ctx.Kind(fd) == btfctx.FDClosed {
			errno = EBADF
		}
		return e.reject(errno, msgFdNotMap, fd)
	}
	if e.cfg.Explain {
		e.passed("fd %d is a %s map (key %d, value %d, %d entries)", fd, m.Type, m.KeySize, m.ValueSize, m.MaxEntries)
	}

	isValue := s.Src == insn.PseudoMapValue || s.Src == insn.PseudoMapIdxValue
	reused := false
	switch {
	case p.Has(FeatMapLimitMessage):
		// 6.18 add_used_map / __add_used_map: dedupe, limit and
		// compatibility before the direct value checks.
		idx, err := e.addUsedMap618(m)
		if err != nil {
			return err
		}
		e.aux[i].mapIndex = int32(idx)
	case p.Has(FeatUsedMapFromFD):
		// 6.12 add_used_map_from_fd: dedupe and the limit, then
		// check_map_prog_compatibility; the cgroup storage and arena
		// rules come after the direct value checks.
		j, err := e.usedMapSlot(m)
		if err != nil {
			return err
		}
		if reused = j < len(e.usedMaps); !reused {
			e.useMap(m)
		}
		e.aux[i].mapIndex = int32(j)
		if err := e.checkMapProgCompat59(m); err != nil {
			return err
		}
	default:
		if err := e.checkMapProgCompat59(m); err != nil {
			return err
		}
	}

	var addr uint64
	if e.log.level != 0 {
		addr = e.mapAddr(m)
	}
	if isValue {
		off := uint32(next.Imm)
		if off >= maxVarOff {
			return e.reject(EINVAL, msgDirectOffset, off)
		}
		switch {
		case m.Type == btfctx.MapArray:
			// array_map_direct_value_addr (kernel/bpf/arraymap.c)
			if m.MaxEntries != 1 {
				return e.reject(ENOTSUPP, msgInvalidMapAccess, m.ValueSize, off)
			}
			if off >= m.ValueSize {
				return e.reject(EINVAL, msgInvalidMapAccess, m.ValueSize, off)
			}
			addr += arrayValueAt
		case m.Type == btfctx.MapArena && p.Has(FeatArena):
			// arena_map_direct_value_addr (kernel/bpf/arena.c): the range
			// is user_vm_end - user_vm_start, both 0 without map_extra
			// (arena_map_alloc).
			span := uint64(m.MaxEntries) * 4096
			if m.Extra == 0 {
				span = 0
			}
			if uint64(off) > span {
				return e.reject(ERANGE, msgInvalidMapAccess, m.ValueSize, off)
			}
			addr = m.Extra
		default:
			return e.reject(EINVAL, msgNoDirectAccess)
		}
		e.aux[i].mapOff = off
		addr += uint64(off)
		if e.cfg.Explain {
			e.passed("direct value offset %d is below BPF_MAX_VAR_OFF and inside the %d-byte value", off, m.ValueSize)
		}
	}
	e.rewriteImm(i, addr)

	if p.Has(FeatUsedMapFromFD) && !p.Has(FeatMapLimitMessage) {
		// 6.12: "proceed with extra checks only if its newly added used
		// map".
		if reused {
			return nil
		}
		return e.newMapRules(m)
	}
	if !p.Has(FeatMapLimitMessage) {
		// 5.9: dedupe, then the silent limit, then add, then the cgroup
		// storage assignment (after the map was added).
		if j := e.usedIndex(m); j >= 0 {
			e.aux[i].mapIndex = int32(j)
			return nil
		}
		if len(e.usedMaps) >= maxUsedMaps {
			return e.rejectSilent(E2BIG, "used_maps already holds MAX_USED_MAPS (64) maps")
		}
		e.aux[i].mapIndex = int32(len(e.usedMaps))
		e.useMap(m)
		if m.IsCgroupStorage() && !e.assignCgroupStorage(m) {
			return e.reject(EBUSY, msgCgroupStorage)
		}
	}
	return nil
}

// mapAt is the map at fd, from a dense table for small fds.
func (e *env) mapAt(fd int32) *btfctx.Map {
	if e.fdMaps == nil {
		e.fdMaps = []*btfctx.Map{}
		for _, f := range e.ctx.FDs() {
			if m := e.ctx.Map(f); m != nil && f < 1<<16 {
				for int(f) >= len(e.fdMaps) {
					e.fdMaps = append(e.fdMaps, nil)
				}
				e.fdMaps[f] = m
			}
		}
	}
	if fd >= 0 && int(fd) < len(e.fdMaps) {
		return e.fdMaps[fd]
	}
	return e.ctx.Map(fd)
}

// usedIndex returns the index of m in used_maps, or -1.
func (e *env) usedIndex(m *btfctx.Map) int {
	if e.lastUsed >= 0 && e.usedMaps[e.lastUsed] == m {
		return e.lastUsed
	}
	if id := e.ctx.MapID(m); id < len(e.usedByID) {
		j := int(e.usedByID[id]) - 1
		if j >= 0 {
			e.lastUsed = j
		}
		return j
	}
	return -1
}

// addUsedMap618 models __add_used_map (v6.18).
func (e *env) addUsedMap618(m *btfctx.Map) (int, error) {
	j, err := e.usedMapSlot(m)
	if err != nil || j < len(e.usedMaps) {
		return j, err
	}
	if err := e.checkMapProgCompat618(m); err != nil {
		return 0, err
	}
	e.useMap(m)
	return len(e.usedMaps) - 1, nil
}

// usedMapSlot is the used_maps index m has or will have: its own when the
// program used it already, the next one otherwise, past the 64-map limit
// E2BIG with its message (add_used_map_from_fd, __add_used_map).
func (e *env) usedMapSlot(m *btfctx.Map) (int, error) {
	if j := e.usedIndex(m); j >= 0 {
		return j, nil
	}
	if len(e.usedMaps) >= maxUsedMaps {
		return 0, e.reject(E2BIG, msgMapLimit, maxUsedMaps)
	}
	return len(e.usedMaps), nil
}

// useMap appends m to used_maps, with the reference registers will carry.
func (e *env) useMap(m *btfctx.Map) {
	id := e.ctx.MapID(m)
	e.usedMaps = append(e.usedMaps, m)
	e.mapRefs = append(e.mapRefs, &regstate.MapRef{ID: id, Name: m.Name, KeySize: m.KeySize, ValueSize: m.ValueSize,
		Type: uint32(m.Type), MaxEntries: m.MaxEntries, Flags: m.Flags, Special: m.Special != ""})
	for id >= len(e.usedByID) {
		e.usedByID = append(e.usedByID, 0)
	}
	e.usedByID[id] = int32(len(e.usedMaps))
}

// checkMapProgCompat618 models check_map_prog_compatibility (v6.18) for
// maps declared without BTF: no spin locks, timers, workqueues, list heads
// or exclusive hashes can exist on them, programs are neither offloaded
// nor sleepable, so the cgroup storage and arena rules remain.
func (e *env) checkMapProgCompat618(m *btfctx.Map) error {
	if m.Special != "" {
		// check_map_prog_compatibility refuses some of these for some
		// program types (spin locks in tracing programs, ...).
		return e.unsupported("map %q has BTF special fields (%s): their rules are not modeled", m.Name, m.Special)
	}
	if m.Type == btfctx.MapStructOps {
		return e.reject(EINVAL, msgStructOpsMap)
	}
	return e.newMapRules(m)
}

// newMapRules are the cgroup storage and arena rules for a map the
// program has not used before: in check_map_prog_compatibility from
// v6.14, after the direct value checks in 6.12's resolve_pseudo_ldimm64.
func (e *env) newMapRules(m *btfctx.Map) error {
	if m.IsCgroupStorage() && !e.assignCgroupStorage(m) {
		return e.reject(EBUSY, msgCgroupStorage)
	}
	if m.Type == btfctx.MapArena {
		if e.arena != nil {
			return e.reject(EBUSY, msgArenaOne)
		}
		// The loader is privileged and the JIT is on: the capability and
		// JIT checks pass.
		e.arena = m
		if m.Extra == 0 {
			return e.reject(EINVAL, msgArenaUserAddr)
		}
	}
	return nil
}

// checkMapProgCompat59 models the July 2020 check_map_prog_compatibility,
// and the 6.1 and 6.12 ones (FeatNoTracingPrealloc) for maps without BTF.
func (e *env) checkMapProgCompat59(m *btfctx.Map) error {
	if m.Special != "" {
		return e.unsupported("map %q has BTF special fields (%s): their rules are not modeled", m.Name, m.Special)
	}
	t := e.cfg.ProgType
	if t.isTracing(e.p) && !isPreallocated(m) && !e.p.Has(FeatNoTracingPrealloc) {
		if t == PerfEvent {
			return e.reject(EINVAL, msgPerfPrealloc)
		}
		// Without CONFIG_PREEMPT_RT this is a warning; checking goes on.
		e.log.write(msgTracePrealloc + "\n")
	}
	if m.Type == btfctx.MapStructOps {
		return e.reject(EINVAL, msgStructOpsMap)
	}
	return nil
}

// isPreallocated is the 5.9 is_preallocated_map for maps without an inner
// map template.
func isPreallocated(m *btfctx.Map) bool {
	switch m.Type {
	case btfctx.MapHash, btfctx.MapPercpuHash, btfctx.MapHashOfMaps:
		return m.Flags&btfctx.MapFlagNoPrealloc == 0
	}
	return true
}

// assignCgroupStorage is bpf_cgroup_storage_assign: one map of each
// storage type per program.
func (e *env) assignCgroupStorage(m *btfctx.Map) bool {
	k := 0
	if m.Type == btfctx.MapPercpuCgroupStorage {
		k = 1
	}
	if e.cgroupStorage[k] != nil && e.cgroupStorage[k] != m {
		return false
	}
	e.cgroupStorage[k] = m
	return true
}

// processFDArray models process_fd_array and add_fd_from_fd_array
// (kernel/bpf/verifier.c, v6.14+): with fd_array_cnt, every entry must be a
// map (added as the pre-pass would add it) or a BTF object.
func (e *env) processFDArray() error {
	defer e.enter("process_fd_array", -1)()
	d := e.ctx.Decl()
	if d.FDArrayCnt == 0 {
		return nil
	}
	if d.FDArrayCnt >= 0xffffffff/4 {
		return e.reject(EINVAL, msgFDArrayCntBig, d.FDArrayCnt)
	}
	for i := uint32(0); i < d.FDArrayCnt; i++ {
		fd, ok := d.FDArrayAt(int32(i))
		if !d.HasFDArray || !ok {
			return e.rejectSilent(EFAULT, fmt.Sprintf("reading fd_array[%d] faults", i))
		}
		switch e.ctx.Kind(fd) {
		case btfctx.FDMap:
			if _, err := e.addUsedMap618(e.ctx.Map(fd)); err != nil {
				return err
			}
		case btfctx.FDBTF:
			b, err := e.ctx.BTF(fd)
			if err != nil {
				return err
			}
			if err := e.addUsedBTF(b); err != nil {
				return err
			}
		case btfctx.FDClosed:
			return e.reject(EBADF, msgFdNotMapOrBTF, fd)
		default:
			return e.reject(EINVAL, msgFdNotMapOrBTF, fd)
		}
	}
	return nil
}

// addUsedBTF models __add_used_btf.
func (e *env) addUsedBTF(b *btfctx.BTF) error {
	if !e.p.Has(FeatUsedBTFs) {
		return nil // 5.10 keeps no used_btfs
	}
	for _, ub := range e.usedBTFs {
		if ub == b {
			return nil
		}
	}
	if len(e.usedBTFs) >= maxUsedBTFs {
		return e.reject(E2BIG, msgBTFLimit, maxUsedBTFs)
	}
	e.usedBTFs = append(e.usedBTFs, b)
	return nil
}

// checkPseudoBTFID models check_pseudo_btf_id, __check_pseudo_btf_id and
// __add_used_btf (kernel/bpf/verifier.c, v6.18).
func (e *env) checkPseudoBTFID(i int, s, next insn.Slot) error {
	defer e.enter("check_pseudo_btf_id", i)()
	var b *btfctx.BTF
	if !e.p.Has(FeatKsymModuleBTF) {
		// 5.10: vmlinux BTF first, then insn[1].imm is reserved.
		var err error
		if b, err = e.ctx.Vmlinux(); err != nil {
			return err
		}
		if b == nil {
			return e.reject(EINVAL, msgMissingBTF)
		}
		if next.Imm != 0 {
			return e.reject(EINVAL, msgBTFIDImm1)
		}
	} else if fd := next.Imm; fd != 0 {
		if e.ctx.Kind(fd) != btfctx.FDBTF {
			return e.reject(EINVAL, msgBadModuleFD)
		}
		var err error
		if b, err = e.ctx.BTF(fd); err != nil {
			return err
		}
		if e.cfg.Explain {
			e.passed("insn[1].imm = %d is a BTF object fd (v5.12+: the module's BTF)", fd)
		}
	} else {
		var err error
		if b, err = e.ctx.Vmlinux(); err != nil {
			return err
		}
		if b == nil {
			return e.reject(EINVAL, msgMissingBTF)
		}
		if e.cfg.Explain {
			e.passed("insn[1].imm = 0: the id is looked up in vmlinux BTF")
		}
	}
	id := uint32(s.Imm)
	key := btfKey{b, id}
	res, ok := e.lastBTF, e.lastKey == key && e.lastBTF.reg >= 0
	if !ok {
		res, ok = e.btfCache[key]
	}
	if ok && !e.cfg.Explain {
		e.lastKey, e.lastBTF = key, res
		// The same id in the same object resolves the same way.
		e.rewriteImm(i, res.addr)
		e.aux[i].mapIndex = res.reg
		return nil
	}
	before := len(e.btfVars)
	addr, err := e.resolveBTFID(i, b, id)
	// Only successes are cached: a rejection ends the verification.
	if err == nil && len(e.btfVars) > before {
		if e.btfCache == nil {
			e.btfCache = map[btfKey]btfResult{}
		}
		e.btfCache[key] = btfResult{addr: addr, reg: e.aux[i].mapIndex}
	}
	return err
}

// btfKey and btfResult cache __check_pseudo_btf_id per BTF object and id.
type btfKey struct {
	b  *btfctx.BTF
	id uint32
}

type btfResult struct {
	addr uint64
	reg  int32
}

// resolveBTFID is __check_pseudo_btf_id and __add_used_btf; it returns
// the kallsyms address written into the imms.
func (e *env) resolveBTFID(i int, b *btfctx.BTF, id uint32) (uint64, error) {
	t, ok := b.Type(id)
	if !ok {
		return 0, e.reject(ENOENT, msgInvalidBTFID, int32(id))
	}
	if e.cfg.Explain {
		e.passed("btf_type_by_id(%d) finds a type (the object has %d)", id, b.NumTypes())
	}
	kind := btfctx.KindOf(t)
	if !e.p.Has(FeatKsymFunc) && kind != btfctx.KindVar {
		return 0, e.reject(EINVAL, msgNotVar, int32(id))
	}
	if kind != btfctx.KindVar && kind != btfctx.KindFunc {
		return 0, e.reject(EINVAL, msgNotVarOrFunc, int32(id))
	}
	name := t.TypeName()
	if e.cfg.Explain {
		e.passed("type %d is a %s named %q", id, kind, name)
	}
	ks, err := e.ctx.Kallsyms()
	if err != nil {
		return 0, err
	}
	addr := ks.Lookup(name)
	if addr == 0 {
		return 0, e.reject(ENOENT, msgNoKsymAddr, name)
	}
	e.rewriteImm(i, addr)
	if e.cfg.Explain {
		e.passed("kallsyms has %s at %#x: the imms become that address", name, addr)
	}
	var r regstate.Reg
	if kind == btfctx.KindFunc {
		r = regstate.Reg{Type: regstate.PtrToMem, Flags: regstate.MemRdonly}
	} else {
		typeID := b.SizeType(t)
		ref, _ := b.Type(typeID)
		t2 := btfctx.SkipModifiers(ref)
		switch k2 := btfctx.KindOf(t2); {
		case b.IsPercpuVar(id):
			r = regstate.Reg{Type: regstate.PtrToBTFID, Flags: regstate.MemPercpu, BTFID: typeID, BTFName: ref.TypeName()}
		case k2 != btfctx.KindStruct && k2 != btfctx.KindUnion:
			size, err := btfctx.ResolveSize(t2)
			if err != nil {
				return 0, e.reject(EINVAL, msgUnresolvedSize, t2.TypeName(), -22)
			}
			r = regstate.Reg{Type: regstate.PtrToMem, Flags: regstate.MemRdonly, MemSize: size}
		default:
			r = regstate.Reg{Type: regstate.PtrToBTFID, BTFID: typeID, BTFName: ref.TypeName()}
		}
	}
	r.Known = true
	if e.cfg.Explain {
		e.passed("the register will be %s", e.p.FormatReg(r))
	}
	e.aux[i].mapIndex = int32(len(e.btfVars)) // BTF_ID: the index is into btfVars
	e.btfVars = append(e.btfVars, r)
	return addr, e.addUsedBTF(b)
}
