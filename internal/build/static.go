package build

import (
	"debug/elf"
	"fmt"
	"strings"
)

// CheckStatic returns an error when the ELF binary at path needs a dynamic
// loader (PT_INTERP) or shared libraries (DT_NEEDED): such a binary dies in a
// scratch image with "exec ...: no such file or directory", because the
// loader it names is not there.
func CheckStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("checking %s is static: %w", path, err)
	}
	defer f.Close()
	return checkStaticELF(f, path)
}

// checkStaticELF is CheckStatic of an opened ELF file, named path.
func checkStaticELF(f *elf.File, path string) error {
	var interp string
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err == nil {
				interp = strings.TrimRight(string(b), "\x00")
			}
			if interp == "" {
				interp = "a dynamic loader"
			}
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return fmt.Errorf("checking %s is static: %w", path, err)
	}
	if interp == "" && len(libs) == 0 {
		return nil
	}
	var needs []string
	if interp != "" {
		needs = append(needs, "loader "+interp)
	}
	if len(libs) > 0 {
		needs = append(needs, "libraries "+strings.Join(libs, ", "))
	}
	return &DynamicError{Needs: strings.Join(needs, " and ")}
}

// DynamicError reports a dynamically linked binary.
type DynamicError struct {
	Needs string
}

func (e *DynamicError) Error() string {
	return fmt.Sprintf("binary is dynamically linked (needs %s) and would fail in the image with \"exec ...: no such file or directory\"", e.Needs)
}
