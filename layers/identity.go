package layers

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Account is one user (and its group of the same name and number) in the
// generated /etc/passwd and /etc/group, as in distroless/static.
type Account struct {
	Name     string
	UID, GID int
	Home     string
}

// Accounts are the generated users, in file order.
var Accounts = []Account{
	{Name: "root", UID: 0, GID: 0, Home: "/root"},
	{Name: "nobody", UID: 65534, GID: 65534, Home: "/nonexistent"},
	{Name: "nonroot", UID: 65532, GID: 65532, Home: "/home/nonroot"},
}

func fsMode(perm uint32) fs.FileMode { return fs.FileMode(perm) }

// IdentityEntries returns the identity layer: /etc/passwd, /etc/group,
// /etc/nsswitch.conf, the home directories and a world-writable /tmp.
func IdentityEntries() []Entry {
	var passwd, group strings.Builder
	for _, a := range Accounts {
		fmt.Fprintf(&passwd, "%s:x:%d:%d:%s:%s:/sbin/nologin\n", a.Name, a.UID, a.GID, a.Name, a.Home)
		fmt.Fprintf(&group, "%s:x:%d:\n", a.Name, a.GID)
	}
	return []Entry{
		bytesEntry("/etc/passwd", 0o644, []byte(passwd.String())),
		bytesEntry("/etc/group", 0o644, []byte(group.String())),
		bytesEntry("/etc/nsswitch.conf", 0o644, []byte("passwd: files\ngroup: files\nhosts: files dns\n")),
		{Path: "/root", Mode: fs.ModeDir | 0o700},
		{Path: "/home/nonroot", Mode: fs.ModeDir | 0o700, UID: 65532, GID: 65532},
		{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
	}
}

// ResolveUser turns a --user value into numbers: a generated account's name
// (its own group), UID (the group of the same number) or UID:GID.
func ResolveUser(spec string) (uid, gid int, err error) {
	for _, a := range Accounts {
		if spec == a.Name {
			return a.UID, a.GID, nil
		}
	}
	u, g, hasGroup := strings.Cut(spec, ":")
	uid, err = parseID(u)
	if err != nil {
		var names []string
		for _, a := range Accounts {
			names = append(names, a.Name)
		}
		return 0, 0, fmt.Errorf("user %q is not in the generated /etc/passwd (%s): use one of those or a numeric UID[:GID]", spec, strings.Join(names, ", "))
	}
	gid = uid
	if hasGroup {
		if gid, err = parseID(g); err != nil {
			return 0, 0, fmt.Errorf("user %q: group %q is not a number: use UID:GID", spec, g)
		}
	}
	return uid, gid, nil
}

func parseID(s string) (int, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not an id: %q", s)
	}
	return int(n), nil
}
