package layers

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// CapabilityPAX is the PAX record that carries a file's capabilities in a
// layer: Docker and podman set the security.capability extended
// attribute from it when they unpack the layer.
const CapabilityPAX = "SCHILY.xattr.security.capability"

// capabilities are the Linux capability names by number (linux/capability.h).
var capabilities = []string{
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
	"setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
	"ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
	"lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
	"wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
}

// ParseCapabilities returns the capabilities names give (net_bind_service
// or CAP_NET_BIND_SERVICE, in any case) as lower-case names without the
// prefix, in capability number order, once each; an unknown name is an
// error.
func ParseCapabilities(names []string) ([]string, error) {
	var nums []int
	for _, n := range names {
		c := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(n)), "cap_")
		i := slices.Index(capabilities, c)
		if i < 0 {
			return nil, fmt.Errorf("unknown capability %q (known: %s)", n, strings.Join(capabilities, ", "))
		}
		if !slices.Contains(nums, i) {
			nums = append(nums, i)
		}
	}
	slices.Sort(nums)
	out := make([]string, len(nums))
	for i, n := range nums {
		out[i] = capabilities[n]
	}
	return out, nil
}

// The vfs_cap_data header: revision 2 (64-bit masks) with the effective
// flag, so the permitted capabilities are raised when the file runs.
const (
	vfsCapRevision2 = 0x02000000
	vfsCapEffective = 0x000001
)

// CapabilityXattr returns the security.capability value granting names
// (see ParseCapabilities): a vfs_cap_data revision 2, little-endian:
// magic_etc, then permitted and inheritable (0) for capabilities 0-31,
// then for 32-63.
func CapabilityXattr(names []string) (string, error) {
	caps, err := ParseCapabilities(names)
	if err != nil {
		return "", err
	}
	var permitted uint64
	for _, c := range caps {
		permitted |= 1 << slices.Index(capabilities, c)
	}
	b := make([]byte, 20)
	binary.LittleEndian.PutUint32(b[0:], vfsCapRevision2|vfsCapEffective)
	binary.LittleEndian.PutUint32(b[4:], uint32(permitted))
	binary.LittleEndian.PutUint32(b[12:], uint32(permitted>>32))
	return string(b), nil
}
