package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/report"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

// FileRefPrefix starts a property value that stands for the content of a
// file of the repository, as in Port's own GitOps.
const FileRefPrefix = "file://"

// RefReader reads the targets of file:// property values.
type RefReader interface {
	// ReadRef returns the content of the file at path: relative to the
	// repository root, slash-separated, clean, never leaving the root. A
	// missing file is fs.ErrNotExist; a FIFO, a device, a link that leads
	// outside the repository is safefile.ErrNotRegular; a file over
	// safefile.MaxReferencedFile is safefile.ErrTooLarge.
	ReadRef(path string) ([]byte, error)
}

// RefFunc adapts a function to a RefReader.
type RefFunc func(path string) ([]byte, error)

// ReadRef calls f.
func (f RefFunc) ReadRef(path string) ([]byte, error) { return f(path) }

// DirRefs reads file:// targets from the working tree under root: regular
// files inside it only, links only inside it, at most
// safefile.MaxReferencedFile bytes.
func DirRefs(root *safefile.Root) RefReader {
	return RefFunc(func(p string) ([]byte, error) {
		return root.ReadFile(filepath.Join(root.Dir(), filepath.FromSlash(p)), safefile.MaxReferencedFile)
	})
}

// ResolveRef returns the repository path that the file:// value ref of the
// entity file file names: relative to the repository root, or, when it
// starts with ./ or ../, to the entity file's directory. A path that leaves
// the repository, is absolute or names no file is an error that says so.
func ResolveRef(file, ref string) (string, error) {
	p := strings.TrimPrefix(ref, FileRefPrefix)
	switch {
	case p == "":
		return "", errors.New("names no file")
	case strings.HasPrefix(p, "/"):
		return "", errors.New("is an absolute path: file:// paths are relative to the repository root (or, starting with ./ or ../, to the entity file's directory)")
	case strings.ContainsRune(p, 0):
		return "", errors.New("holds a NUL character")
	}
	var joined string
	if p == "." || p == ".." || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") {
		if path.IsAbs(file) {
			return "", errors.New("is relative to an entity file outside the repository")
		}
		joined = path.Join(path.Dir(file), p)
	} else {
		joined = path.Clean(p)
	}
	switch {
	case joined == ".." || strings.HasPrefix(joined, "../"):
		return "", errors.New("leads outside the repository: port-gitops reads only files inside it")
	case joined == "." || strings.HasSuffix(p, "/"):
		return "", errors.New("names a directory, not a file")
	}
	return joined, nil
}

// References returns the repository paths that the file:// property values
// of ents (found in file) name, sorted, without duplicates; values whose
// path does not resolve are left out.
func References(file string, ents []entity.Entity) []string {
	seen := map[string]bool{}
	var out []string
	for i := range ents {
		props := ents[i].Node.Get("properties")
		if props == nil || props.Kind != entity.KindObject {
			continue
		}
		for _, m := range props.Members {
			if m.Value.Kind != entity.KindString || !strings.HasPrefix(m.Value.Str, FileRefPrefix) {
				continue
			}
			if p, err := ResolveRef(file, m.Value.Str); err == nil && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// MayReference reports whether an entity file's bytes may hold a file://
// value: they hold "file:", or an escape that could spell it (JSON \u,
// YAML \x, \u, \U or an escaped line break). A file for which it is false
// holds none, so a scan for references reads only the files it says true
// for.
func MayReference(data []byte) bool {
	if bytes.Contains(data, []byte("file:")) {
		return true
	}
	for i := bytes.IndexByte(data, '\\'); i >= 0 && i+1 < len(data); {
		switch data[i+1] {
		case 'u', 'U', 'x', '\n', '\r':
			return true
		}
		j := bytes.IndexByte(data[i+2:], '\\')
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return false
}

// maxRefBytesPerFile bounds the file:// content that the entities of one
// entity file take in, all values together (a file of 80,000 entities that
// each name the same 1 MiB file would otherwise take 80 GB).
const maxRefBytesPerFile = safefile.MaxEntityFile

// refState is what the file:// values of one entity file have read: each
// target once, and how many bytes of content they may still take in.
type refState struct {
	read map[string]refRead
	left int64
}

type refRead struct {
	data []byte
	err  error
}

// substitution is a property whose file:// value was replaced by the
// content of its target.
type substitution struct {
	pointer string // of the property value, inside the entity
	ref     string // the value as written
	target  string // the repository path it names
	failed  bool   // the target could not be had: the value stays as written
}

// resolveRefs replaces, in e, every property value file://path with the
// content of its target, checked for the property's type: a string, or
// for an object or array property a .json, .yml or .yaml file parsed as
// such. Every node of the content takes the value's position, so findings
// about it point at the value. A target that cannot be read or parsed is a
// file-reference finding at the value, which is then left as written.
func (l *Linter) resolveRefs(fr *FileResult, src Source, e *entity.Entity) (subs []substitution, refs []string) {
	props := e.Node.Get("properties")
	if props == nil || props.Kind != entity.KindObject {
		return nil, nil
	}
	bpID := e.Blueprint
	if bpID == "" {
		bpID = src.Blueprint
	}
	var bp *blueprint.Blueprint
	for i := range props.Members {
		m := &props.Members[i]
		v := m.Value
		if v.Kind != entity.KindString || !strings.HasPrefix(v.Str, FileRefPrefix) {
			continue
		}
		ptr := e.Pointer + entity.Pointer("properties", m.Key)
		fail := func(format string, args ...any) {
			subs = append(subs, substitution{pointer: ptr, ref: v.Str, failed: true})
			fr.Findings = append(fr.Findings, report.Finding{
				File: src.File, Line: v.Pos.Line, Column: v.Pos.Column, Pointer: ptr,
				Blueprint: bpID, Identifier: e.Identifier, Rule: "file-reference", Severity: report.Error,
				Message: fmt.Sprintf("property %q: %s", m.Key, fmt.Sprintf(format, args...)),
			})
		}
		target, err := ResolveRef(src.File, v.Str)
		if err != nil {
			fail("%s %v", quoteRef(v.Str), err)
			continue
		}
		refs = append(refs, target)
		if l.Refs == nil {
			continue // nothing to read targets with: the value stays as written
		}
		if fr.refs == nil {
			fr.refs = &refState{read: map[string]refRead{}, left: maxRefBytesPerFile}
		}
		rr, ok := fr.refs.read[target]
		if !ok {
			rr.data, rr.err = l.Refs.ReadRef(target)
			fr.refs.read[target] = rr
		}
		data, err := rr.data, rr.err
		if err != nil {
			fail("%s: %s", quoteRef(v.Str), describeRefError(target, err))
			continue
		}
		if int64(len(data)) > fr.refs.left {
			fail("%s: the file:// contents of this entity file add up to more than %s, the limit (see Security in the README)", quoteRef(v.Str), safefile.Size(maxRefBytesPerFile))
			continue
		}
		fr.refs.left -= int64(len(data))
		if bp == nil && bpID != "" {
			bp, _ = l.Cache.Get(bpID)
		}
		typ := ""
		if bp != nil {
			typ = bp.PropertyType(m.Key)
		}
		var content *entity.Value
		switch typ {
		case "object", "array":
			var diags []entity.Diagnostic
			ext := strings.ToLower(path.Ext(target))
			if ext != ".json" && ext != ".yml" && ext != ".yaml" {
				fail("%s: property %q is an %s, so its file must be .json, .yml or .yaml to be read as one (%s is neither)", quoteRef(v.Str), m.Key, typ, target)
				continue
			}
			content, diags, err = entity.ParseAs(nil, entity.FormatOf(entity.FormatAuto, target), data)
			if err != nil {
				var se *entity.SyntaxError
				if errors.As(err, &se) {
					fail("%s: %s:%d:%d: %s", quoteRef(v.Str), target, se.Pos.Line, se.Pos.Column, se.Msg)
				} else {
					fail("%s: %s: %v", quoteRef(v.Str), target, err)
				}
				continue
			}
			if len(diags) > 0 {
				d := diags[0]
				p := d.Problem()
				fail("%s: %s:%d:%d: %s", quoteRef(v.Str), target, p.Pos.Line, p.Pos.Column, p.Message)
				continue
			}
			place(content, v.Pos)
		default:
			if !utf8.Valid(data) {
				fail("%s: %s is not UTF-8 text", quoteRef(v.Str), target)
				continue
			}
			content = &entity.Value{Kind: entity.KindString, Str: string(data), Pos: v.Pos}
		}
		m.Value = content
		subs = append(subs, substitution{pointer: ptr, ref: v.Str, target: target})
	}
	slices.Sort(refs)
	return subs, slices.Compact(refs)
}

// Substitute replaces the file:// property values of ents (the entities
// of one file) with their targets' content, as a check does, but reports nothing: it says whether every
// such value could be replaced. sync uses it for the base side of a
// change, so that an entity whose file and targets did not change compares
// equal.
func (l *Linter) Substitute(src Source, ents []entity.Entity) bool {
	var fr FileResult
	for i := range ents {
		l.resolveRefs(&fr, src, &ents[i])
	}
	return len(fr.Findings) == 0
}

// annotate names the target in every finding about a substituted value,
// and drops the findings about a value whose target could not be had
// (its file-reference finding says why): they would be about the file://
// string, which is not what Port receives. It returns what it keeps.
func annotate(findings []report.Finding, subs []substitution) []report.Finding {
	if len(subs) == 0 {
		return findings
	}
	out := findings[:0]
next:
	for _, f := range findings {
		for _, s := range subs {
			if f.Rule == "file-reference" || (f.Pointer != s.pointer && !strings.HasPrefix(f.Pointer, s.pointer+"/")) {
				continue
			}
			if s.failed {
				continue next
			}
			f.Message += fmt.Sprintf(" (in the content of %s, %s)", quoteRef(s.ref), s.target)
			break
		}
		out = append(out, f)
	}
	return out
}

// place gives every node of v the position p.
func place(v *entity.Value, p entity.Pos) {
	v.Pos = p
	for _, c := range v.Elems {
		place(c, p)
	}
	for i := range v.Members {
		v.Members[i].KeyPos = p
		place(v.Members[i].Value, p)
	}
}

func quoteRef(ref string) string {
	if len(ref) > 200 {
		ref = ref[:200] + "..."
	}
	return fmt.Sprintf("%q", strings.ToValidUTF8(ref, "?"))
}

// describeRefError says why a file:// target could not be read, naming the
// target, never what a link outside the repository leads to.
func describeRefError(target string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("%s does not exist", target)
	case errors.Is(err, safefile.ErrTooLarge):
		return fmt.Sprintf("%s is too large: %v (see Security in the README)", target, err)
	}
	return fmt.Sprintf("%s cannot be read: %s", target, strings.ToValidUTF8(err.Error(), "?"))
}
