package atomicfile

import (
	"bytes"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"sync"
	"time"
)

// Update is Write for an output that a rebuild usually leaves as it was
// (an image tarball at rest): it reads name while write writes, and as
// long as the bytes agree it writes nothing. If every byte agrees, name is
// only touched (its times set to now, as `go build` touches an up-to-date
// binary, so make sees it new); at the first difference it goes on as
// Write does, starting the temporary file with the part that agreed, read
// back from name. Reading costs a fraction of writing and then replacing
// the old file.
func Update(name string, perm os.FileMode, write func(io.Writer) error) error {
	fi, err := os.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != perm {
		return Write(name, perm, write)
	}
	old, err := os.Open(name)
	if err != nil {
		return Write(name, perm, write)
	}
	defer old.Close()
	c := &comparer{old: old, name: name}
	err = write(c)
	if c.tmp == nil && err == nil {
		if same, rerr := c.atEOF(); rerr != nil || same {
			if rerr == nil {
				now := time.Now()
				rerr = os.Chtimes(name, now, now)
			}
			return rerr
		}
		err = c.diverge()
	}
	if c.tmp == nil {
		return err
	}
	return commit(c.tmp, name, perm, err)
}

// comparer compares what is written with old until the first difference,
// then writes to tmp.
type comparer struct {
	old  *os.File
	name string
	off  int64
	crc  uint32 // of old's first off bytes, as they were compared
	tmp  *os.File
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var compareBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

func (c *comparer) Write(p []byte) (int, error) {
	if c.tmp != nil {
		return c.tmp.Write(p)
	}
	buf := compareBufs.Get().(*[]byte)
	defer compareBufs.Put(buf)
	for done := 0; done < len(p); {
		chunk := p[done:min(len(p), done+len(*buf))]
		n, err := io.ReadFull(c.old, (*buf)[:len(chunk)])
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return done, err
		}
		if n < len(chunk) || !bytes.Equal((*buf)[:n], chunk) {
			if err := c.diverge(); err != nil {
				return done, err
			}
			m, err := c.tmp.Write(p[done:])
			return done + m, err
		}
		c.crc = crc32.Update(c.crc, castagnoli, chunk)
		c.off += int64(len(chunk))
		done += len(chunk)
	}
	return len(p), nil
}

// atEOF reports whether old has nothing past what agreed.
func (c *comparer) atEOF() (bool, error) {
	fi, err := c.old.Stat()
	if err != nil {
		return false, err
	}
	return fi.Size() == c.off, nil
}

// diverge starts the temporary file with the off bytes that agreed, read
// back from old: they must still be what was compared, or another writer
// is changing name in place.
func (c *comparer) diverge() error {
	tmp, err := create(c.name)
	if err != nil {
		return err
	}
	crc := crc32.New(castagnoli)
	_, err = io.Copy(io.MultiWriter(tmp, crc), io.NewSectionReader(c.old, 0, c.off))
	if err == nil && crc.Sum32() != c.crc {
		err = errors.New("the file changed while it was compared: another program is writing it")
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	c.tmp = tmp
	return nil
}
