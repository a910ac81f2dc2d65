// SPDX-License-Identifier: Apache-2.0
//
// gotar lists a tar the way the container engines unpack a layer: Go's
// archive/tar reads it (Docker, containerd, Podman and BuildKit all use it),
// then each entry is taken as Docker's pkg/archive Unpack takes it inside its
// chroot (dest "/"): global PAX headers skipped, names cleaned and rooted,
// "." skipped, types other than the seven it creates refused, hard link
// targets cleaned and rooted, empty symlink targets refused.
//
// The output format is the one tests/tools/tar_list.c prints for moat's
// reader, so the two can be compared byte for byte:
//
//	TYPE MODE SIZE SHA256 NAME[ -> LINK]
//	...
//	end | error: MESSAGE
//
// Character and block devices show MAJOR,MINOR where files show their digest.
//
// `gotar list FILE` prints one listing (exit 1 when the engine refuses);
// `gotar list-many DIR FILE...` writes DIR/BASENAME.go for each file;
// `gotar serve` answers framed requests on stdin (4-byte little-endian
// length, then the tar) with framed listings, for the differential fuzzer.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// clean gives the path Docker writes to inside its chroot: filepath.Clean,
// then joined to "/" (so ".." stops at the root), without the leading slash.
func clean(name string) string {
	return strings.TrimPrefix(filepath.Join("/", filepath.Clean(name)), "/")
}

func list(r io.Reader, w io.Writer) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		name := filepath.Clean(hdr.Name)
		key := clean(hdr.Name)
		if name == "." {
			continue // Unpack: an existing directory named "." is skipped, whatever the type
		}
		if key == "" {
			if hdr.Typeflag != tar.TypeDir {
				return errors.New("non-directory entry at the root")
			}
			continue
		}
		size := int64(0)
		sum := "-"
		link := ""
		switch hdr.Typeflag {
		case tar.TypeReg:
			h := sha256.New()
			n, err := io.Copy(h, tr)
			if err != nil {
				return err
			}
			size = n
			sum = fmt.Sprintf("%x", h.Sum(nil))
		case tar.TypeChar, tar.TypeBlock:
			sum = fmt.Sprintf("%d,%d", hdr.Devmajor, hdr.Devminor)
		case tar.TypeDir, tar.TypeFifo:
		case tar.TypeLink:
			link = clean(hdr.Linkname)
			if link == "" {
				return errors.New("hard link to the root")
			}
		case tar.TypeSymlink:
			if hdr.Linkname == "" {
				return errors.New("symlink with an empty target") // symlink(2): ENOENT
			}
			link = hdr.Linkname
		default:
			return fmt.Errorf("unhandled tar header type %d", hdr.Typeflag)
		}
		fmt.Fprintf(w, "%c %04o %d %s %s", hdr.Typeflag, hdr.Mode&07777, size, sum, escape(key))
		if link != "" {
			fmt.Fprintf(w, " -> %s", escape(link))
		}
		fmt.Fprintln(w)
	}
}

// escape shows bytes outside printable ASCII (and space, quote, backslash)
// as \xNN, the same way tar_list.c does.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < 0x7f && c != '\\' && c != '"' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "\\x%02x", c)
		}
	}
	return b.String()
}

// listing runs list and appends the verdict line.
func listing(r io.Reader) ([]byte, bool) {
	var out bytes.Buffer
	err := list(r, &out)
	if err != nil {
		fmt.Fprintf(&out, "error: %v\n", err)
		return out.Bytes(), false
	}
	out.WriteString("end\n")
	return out.Bytes(), true
}

func serve() error {
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	var n uint32
	for {
		if err := binary.Read(in, binary.LittleEndian, &n); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(in, buf); err != nil {
			return err
		}
		text, _ := listing(bytes.NewReader(buf))
		binary.Write(out, binary.LittleEndian, uint32(len(text)))
		out.Write(text)
		if err := out.Flush(); err != nil {
			return err
		}
	}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "serve" {
		if err := serve(); err != nil {
			fmt.Fprintln(os.Stderr, "gotar:", err)
			os.Exit(2)
		}
		return
	}
	if len(os.Args) >= 3 && os.Args[1] == "list-many" {
		for _, name := range os.Args[3:] {
			f, err := os.Open(name)
			if err != nil {
				fmt.Fprintln(os.Stderr, "gotar:", err)
				os.Exit(2)
			}
			text, _ := listing(bufio.NewReader(f))
			f.Close()
			out := filepath.Join(os.Args[2], strings.TrimSuffix(filepath.Base(name), ".tar")+".go")
			if err := os.WriteFile(out, text, 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "gotar:", err)
				os.Exit(2)
			}
		}
		return
	}
	if len(os.Args) != 3 || os.Args[1] != "list" {
		fmt.Fprintln(os.Stderr, "usage: gotar list FILE | gotar serve")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "gotar:", err)
		os.Exit(2)
	}
	text, ok := listing(bufio.NewReader(f))
	os.Stdout.Write(text)
	if !ok {
		os.Exit(1)
	}
}
