package testnet

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// procKiB reads a "Name:  N kB" field of a /proc status-style file, in bytes (0 when absent).
func procKiB(path, field string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// RSS is the resident memory of process pid in bytes (0 when it is gone).
func RSS(pid int) int64 { return procKiB(fmt.Sprintf("/proc/%d/status", pid), "VmRSS") }

// MemAvailable is the memory the kernel says new work can use, in bytes.
func MemAvailable() int64 { return procKiB("/proc/meminfo", "MemAvailable") }

// PSS is the proportional resident memory of process pid in bytes: pages shared with other
// processes (the binary's code of many processes of one program) count for their share only, so
// PSS summed over processes is what they take together (0 when it is gone).
func PSS(pid int) int64 { return procKiB(fmt.Sprintf("/proc/%d/smaps_rollup", pid), "Pss") }
