// Command record loads every test object with the real toolchain (bpftool,
// which uses libbpf) and records what happened, for the tests that compare
// the loader and the simulator with it: run as root with
// "go generate ./verifier/object". It also keeps the /proc/kallsyms lines
// of the objects' ksyms.
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/verifier/object"
)

// Record is what bpftool did with one object.
type Record struct {
	Object   string   `json:"object"`
	Programs []string `json:"programs"`
	Loaded   bool     `json:"loaded"`
	// Stage is "libbpf" when libbpf failed before BPF_PROG_LOAD, "kernel"
	// when the verifier refused a program, "" when loaded.
	Stage string   `json:"stage,omitempty"`
	Errno string   `json:"errno,omitempty"`
	Error string   `json:"error,omitempty"`
	Log   []string `json:"log,omitempty"`
	// Xlated is, per loaded program, the hex of the instructions the
	// kernel holds after loading (bpftool prog dump xlated): the ground
	// truth for the loader's relocations of programs the kernel does not
	// rewrite further.
	Xlated map[string]string `json:"xlated,omitempty"`
}

var errnos = map[string]string{
	"No such file or directory": "ENOENT", "Invalid argument": "EINVAL", "Permission denied": "EACCES",
	"Argument list too long": "E2BIG", "Bad file descriptor": "EBADF", "Bad address": "EFAULT",
	"Operation not permitted": "EPERM", "Device or resource busy": "EBUSY", "Unknown error 524": "ENOTSUPP",
}

var (
	loadFailed = regexp.MustCompile(`^libbpf: prog '[^']*': BPF program load failed: (.*)$`)
	libbpfErr  = regexp.MustCompile(`^libbpf: (extern .*)$`)
)

func main() {
	dir := flag.String("dir", "testdata", "directory of the objects")
	flag.Parse()
	bpffs, err := os.MkdirTemp("", "verisim-bpffs")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(bpffs)
	if err := syscall.Mount("bpf", bpffs, "bpf", 0, ""); err != nil {
		log.Fatalf("mount bpffs (record needs root): %v", err)
	}
	defer syscall.Unmount(bpffs, 0)
	objs, _ := filepath.Glob(filepath.Join(*dir, "*.o"))
	sort.Strings(objs)
	var recs []Record
	names := map[string]bool{}
	for _, o := range objs {
		rec := Record{Object: filepath.Base(o)}
		rec.Programs, _ = object.Names(o)
		for _, n := range externNames(o) {
			names[n] = true
		}
		pin := filepath.Join(bpffs, strings.TrimSuffix(rec.Object, ".o"))
		out, err := exec.Command("bpftool", "prog", "loadall", o, pin).CombinedOutput()
		rec.Loaded = err == nil
		if !rec.Loaded {
			parse(&rec, string(out))
		} else {
			rec.Xlated = xlated(pin, rec.Programs)
		}
		os.RemoveAll(pin)
		recs = append(recs, rec)
	}
	f, err := os.Create(filepath.Join(*dir, "bpftool.jsonl"))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range recs {
		b, _ := json.Marshal(r)
		fmt.Fprintf(f, "%s\n", b)
	}
	f.Close()
	if err := keepKallsyms(filepath.Join(*dir, "kallsyms"), names); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("recorded %d objects with bpftool\n", len(recs))
}

// xlated dumps the translated instructions of each pinned program.
func xlated(pin string, progs []string) map[string]string {
	m := map[string]string{}
	for _, p := range progs {
		tmp, err := os.CreateTemp("", "verisim-xlated")
		if err != nil {
			log.Fatal(err)
		}
		tmp.Close()
		if out, err := exec.Command("bpftool", "prog", "dump", "xlated", "pinned", filepath.Join(pin, p), "file", tmp.Name()).CombinedOutput(); err != nil {
			log.Fatalf("dump %s: %v: %s", p, err, out)
		}
		b, err := os.ReadFile(tmp.Name())
		os.Remove(tmp.Name())
		if err != nil {
			log.Fatal(err)
		}
		m[p] = hex.EncodeToString(b)
	}
	return m
}

// parse reads bpftool's output of a failed load.
func parse(rec *Record, out string) {
	inLog := false
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasSuffix(l, "-- BEGIN PROG LOAD LOG --"):
			inLog = true
		case strings.HasPrefix(l, "-- END PROG LOAD LOG --"):
			inLog = false
		case inLog:
			rec.Log = append(rec.Log, l)
		default:
			if m := loadFailed.FindStringSubmatch(l); m != nil {
				rec.Stage, rec.Errno = "kernel", errnos[m[1]]
			} else if m := libbpfErr.FindStringSubmatch(l); m != nil && rec.Stage == "" {
				rec.Stage, rec.Error = "libbpf", m[1]
			}
		}
	}
	if rec.Stage == "kernel" {
		// The verifier's message: the last log line before the stats.
		for i := len(rec.Log) - 1; i >= 0; i-- {
			if !strings.HasPrefix(rec.Log[i], "processed ") && rec.Log[i] != "" {
				rec.Error = rec.Log[i]
				break
			}
		}
	}
}

// externNames lists an object's .ksyms externs (from its symbol table).
func externNames(path string) []string {
	out, err := exec.Command("llvm-nm", path).Output()
	if err != nil {
		return nil
	}
	var names []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) == 2 && (f[0] == "U" || f[0] == "w" || f[0] == "v") {
			names = append(names, f[1])
		}
	}
	return names
}

func keepKallsyms(path string, names map[string]bool) error {
	in, err := os.Open(btfctx.HostKallsymsPath)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 3 && names[f[2]] {
			fmt.Fprintln(out, sc.Text())
		}
	}
	return sc.Err()
}
