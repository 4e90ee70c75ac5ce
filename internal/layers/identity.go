package layers

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// IdentityVersion names the content of IdentityEntries, for SBOMs; it
// changes whenever the files do.
const IdentityVersion = "mingo-identity-1"

// Account is one user of the generated /etc/passwd, with a group of the
// same name and number in /etc/group, as in distroless/static.
type Account struct {
	// Name is the user and group name.
	Name string
	// UID and GID are the user's and its primary group's numbers.
	UID, GID int
	// Home is the home directory written to /etc/passwd.
	Home string
}

// Accounts are the generated users, in file order. Every one has the shell
// /sbin/nologin.
var Accounts = []Account{
	{Name: "root", UID: 0, GID: 0, Home: "/root"},
	{Name: "nobody", UID: 65534, GID: 65534, Home: "/nonexistent"},
	{Name: "nonroot", UID: 65532, GID: 65532, Home: "/home/nonroot"},
}

// IdentityEntries returns the identity layer, like distroless/static's:
// /etc/passwd and /etc/group from Accounts, an /etc/nsswitch.conf that
// makes glibc and Go's resolver read /etc/hosts before DNS, the home
// directories /root (0700) and /home/nonroot (0700, owned by nonroot), and
// /tmp with mode 1777. Files are 0644 and owned by root.
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

// maxID is the largest UID or GID accepted: the kernel's are 32-bit, and
// -1 (4294967295) means "no change" to chown, so stay in the signed range.
const maxID = 1<<31 - 1

// ResolveUser turns a --user value into numeric ids: the name of one of
// Accounts (its own UID and GID, "nonroot" gives 65532:65532), "UID" (with
// the group of the same number) or "UID:GID". The empty string, other
// names, "NAME:GID", and numbers that are negative, signed or above
// 2^31-1 are errors.
func ResolveUser(spec string) (uid, gid int, err error) {
	if spec == "" {
		return 0, 0, fmt.Errorf("empty user: give an account name (%s) or a numeric UID[:GID]", accountNames())
	}
	for _, a := range Accounts {
		if spec == a.Name {
			return a.UID, a.GID, nil
		}
	}
	u, g, hasGroup := strings.Cut(spec, ":")
	uid, err = parseID(u)
	if errors.Is(err, errNotNumber) && hasGroup && isAccount(u) {
		return 0, 0, fmt.Errorf("user %q: NAME:GID is not supported: give %s alone or a numeric UID:GID", spec, u)
	}
	if errors.Is(err, errNotNumber) {
		return 0, 0, fmt.Errorf("user %q is not in the generated /etc/passwd (%s): use one of those or a numeric UID[:GID]", u, accountNames())
	}
	if err != nil {
		return 0, 0, fmt.Errorf("user %q: UID %w", spec, err)
	}
	if !hasGroup {
		return uid, uid, nil
	}
	gid, err = parseID(g)
	if errors.Is(err, errNotNumber) {
		return 0, 0, fmt.Errorf("user %q: group %q is not a number: use UID:GID (group names are not looked up)", spec, g)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("user %q: GID %w", spec, err)
	}
	return uid, gid, nil
}

// isAccount reports whether name is one of Accounts.
func isAccount(name string) bool {
	for _, a := range Accounts {
		if a.Name == name {
			return true
		}
	}
	return false
}

// accountNames lists the names of Accounts for error messages.
func accountNames() string {
	names := make([]string, len(Accounts))
	for i, a := range Accounts {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

// errNotNumber is parseID's error for text that is not a number at all.
var errNotNumber = errors.New("not a number")

// parseID parses an id: ASCII digits only (no sign, no spaces), at most
// maxID.
func parseID(s string) (int, error) {
	digits := strings.TrimLeft(s, "+-")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, errNotNumber
	}
	if digits != s {
		return 0, fmt.Errorf("%s has a sign: give a number from 0 to %d", s, maxID)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > maxID {
		return 0, fmt.Errorf("%s is out of range (0 to %d)", s, maxID)
	}
	return int(n), nil
}
