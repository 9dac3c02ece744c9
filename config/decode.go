package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// MaxFileBytes bounds every config file. A tenant file is a few hundred bytes; the bound keeps
// a hostile or broken file from costing time or memory before any rule runs.
const MaxFileBytes = 64 << 10

// Positions maps a value's path in a document ("tier", "domains[1]", "services.api.cpu") to
// where it was written. Values that were not written resolve to their closest written parent.
type Positions map[string]Pos

// Of returns where path (or its closest written parent) is in the file.
func (p Positions) Of(path string) Pos {
	for {
		if pos, ok := p[path]; ok {
			return pos
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return p[""]
		}
		path = path[:i]
	}
}

// parseDocument runs the byte-level checks YAML parsers do not make, then parses exactly one
// YAML document. It returns nil when the file cannot be used; the reasons are in r.
func parseDocument(r reporter, data []byte) *yaml.Node {
	if len(data) > MaxFileBytes {
		r.at(Pos{}, "a tenant file is a few hundred bytes; remove what does not belong in it", "file is over the %d-byte limit", MaxFileBytes)
		return nil
	}
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		r.at(Pos{1, 1}, "save the file as UTF-8 without a byte order mark", "file starts with a UTF-8 byte order mark (BOM)")
		return nil
	}
	if !utf8.Valid(data) {
		line, col := 1, 1
		for i := 0; i < len(data); {
			c, size := utf8.DecodeRune(data[i:])
			if c == utf8.RuneError && size <= 1 {
				break
			}
			if c == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
			i += size
		}
		r.at(Pos{line, col}, "the file must be UTF-8 text", "invalid UTF-8 byte sequence")
		return nil
	}
	if len(bytes.TrimSpace(stripComments(data))) == 0 {
		r.at(Pos{}, "start from `fleetctl new <id> --tier pool`", "file is empty")
		return nil
	}
	tabs := false
	for i, line := range strings.Split(string(data), "\n") {
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if j := strings.IndexByte(indent, '\t'); j >= 0 {
			r.at(Pos{i + 1, j + 1}, "indent with spaces; YAML forbids tabs", "tab character in indentation")
			tabs = true
		}
	}
	if tabs {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		r.at(yamlErrorPos(err), "", "YAML syntax: %s", yamlErrorText(err))
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		r.at(yamlErrorPos(err), "a file holds exactly one YAML document", "several YAML documents in one file, and the next one does not parse: %s", yamlErrorText(err))
		return nil
	default:
		r.at(Pos{next.Line, next.Column}, "a file holds exactly one YAML document; remove the `---` separator and what follows, or split it into files", "several YAML documents in one file")
		return nil
	}
	if len(doc.Content) == 0 {
		r.at(Pos{}, "", "file is empty")
		return nil
	}
	if rejectAnchors(r, doc.Content[0]) {
		return nil
	}
	return doc.Content[0]
}

// rejectAnchors reports YAML anchors and aliases anywhere in the document, before anything
// walks it: aliases are how a small file expands into a huge one (the "billion laughs"), and a
// config file must read the same to people and tools. The walk never follows an alias, so it
// is linear in the file's size.
func rejectAnchors(r reporter, root *yaml.Node) bool {
	const show = 5
	found := 0
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode || n.Anchor != "" {
			found++
			if found <= show {
				what, name := "anchor &", n.Anchor
				if n.Kind == yaml.AliasNode {
					what, name = "alias *", n.Value
				}
				r.at(Pos{n.Line, n.Column}, "write values out in full", "YAML anchors and aliases are not allowed: %s%s", what, name)
			}
		}
		if n.Kind != yaml.AliasNode {
			for _, c := range n.Content {
				walk(c)
			}
		}
	}
	walk(root)
	if found > show {
		r.at(Pos{}, "", "%d more anchors and aliases", found-show)
	}
	return found > 0
}

func stripComments(data []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(data, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out = append(out, line...)
		}
	}
	return out
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

func yamlErrorPos(err error) Pos {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return Pos{n, 1}
	}
	return Pos{}
}

func yamlErrorText(err error) string {
	return strings.TrimPrefix(yamlLineRE.ReplaceAllString(err.Error(), ""), "yaml: ")
}

// decoder turns a yaml.Node into a typed value strictly: unknown keys, duplicate keys, wrong
// types, anchors and aliases are errors, each located, and decoding goes on past them so one
// run reports every problem.
type decoder struct {
	r   reporter
	pos Positions
	// structural counts the problems that leave the value half-decoded (wrong type, unknown
	// key, alias); value problems (enum, range) do not stop the semantic rules.
	structural int
}

// decodeInto decodes root into out and reports whether the result is whole enough for the
// semantic rules to run on it.
func decodeInto(r reporter, root *yaml.Node, out any) (Positions, bool) {
	d := &decoder{r: r, pos: Positions{"": {root.Line, root.Column}}}
	d.value(root, reflect.ValueOf(out).Elem(), "", fieldTags{})
	return d.pos, d.structural == 0
}

// fail reports a structural problem.
func (d *decoder) fail(p Pos, hint, format string, args ...any) {
	d.structural++
	d.r.at(p, hint, format, args...)
}

// fieldTags are the struct tags of the field a value sits in.
type fieldTags struct {
	name string
	enum []string
	min  *int
	max  *int
}

func tagsOf(f reflect.StructField) fieldTags {
	t := fieldTags{name: strings.Split(f.Tag.Get("yaml"), ",")[0]}
	if e := f.Tag.Get("enum"); e != "" {
		t.enum = strings.Split(e, ",")
	}
	if s := f.Tag.Get("min"); s != "" {
		n, _ := strconv.Atoi(s)
		t.min = &n
	}
	if s := f.Tag.Get("max"); s != "" {
		n, _ := strconv.Atoi(s)
		t.max = &n
	}
	return t
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!str":
		return fmt.Sprintf("the string %q", n.Value)
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	case "!!null":
		return "nothing"
	}
	return fmt.Sprintf("%q", n.Value)
}

func (d *decoder) value(n *yaml.Node, v reflect.Value, path string, tags fieldTags) {
	p := Pos{n.Line, n.Column}
	d.pos[path] = p
	name := path
	if name == "" {
		name = "document"
	}
	if n.Kind == yaml.AliasNode {
		d.fail(p, "write the value out; config files must read the same to people and tools", "%s: YAML aliases (*%s) are not allowed", name, n.Value)
		return
	}
	if n.Anchor != "" {
		d.fail(p, "remove the anchor; config files must read the same to people and tools", "%s: YAML anchors (&%s) are not allowed", name, n.Anchor)
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an explicit empty value is the zero value; required checks see it as unset
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(n, v.Elem(), path, tags)
	case reflect.Struct:
		d.structure(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(p, "write a list, such as [a, b] or one `- item` per line", "%s must be a list; got %s", name, kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.value(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i), tags)
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.fail(p, "", "%s must be a mapping of key: value; got %s", name, kindName(n))
			return
		}
		m := reflect.MakeMap(v.Type())
		seen := map[string]Pos{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			kp := Pos{k.Line, k.Column}
			if k.Kind != yaml.ScalarNode {
				d.fail(kp, "", "%s: keys must be plain strings", name)
				continue
			}
			if first, dup := seen[k.Value]; dup {
				d.fail(kp, fmt.Sprintf("first written at line %d", first.Line), "%s: duplicate key %q", name, k.Value)
				continue
			}
			seen[k.Value] = kp
			ev := reflect.New(v.Type().Elem()).Elem()
			d.value(val, ev, join(path, k.Value), fieldTags{})
			d.pos[join(path, k.Value)+"#key"] = kp
			m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), ev)
		}
		v.Set(m)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			hint := ""
			if n.Kind == yaml.ScalarNode {
				hint = fmt.Sprintf("quote it: \"%s\"", n.Value)
			}
			d.fail(p, hint, "%s must be a string; got %s", name, kindName(n))
			return
		}
		if tags.enum != nil && !slices.Contains(tags.enum, n.Value) {
			d.r.at(p, didYouMean(n.Value, tags.enum), "%s must be one of %s; got %q", name, strings.Join(tags.enum, ", "), n.Value)
		}
		v.SetString(n.Value)
	case reflect.Int:
		i, err := strconv.Atoi(n.Value)
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil {
			d.fail(p, "", "%s must be a whole number; got %s", name, kindName(n))
			return
		}
		switch {
		case tags.enum != nil && !slices.Contains(tags.enum, n.Value):
			d.r.at(p, didYouMean(n.Value, tags.enum), "%s must be one of %s; got %d", name, strings.Join(tags.enum, ", "), i)
		case tags.min != nil && i < *tags.min:
			d.r.at(p, "", "%s must be at least %d; got %d", name, *tags.min, i)
		case tags.max != nil && i > *tags.max:
			d.r.at(p, "", "%s must be at most %d; got %d", name, *tags.max, i)
		}
		v.SetInt(int64(i))
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.fail(p, "write true or false", "%s must be true or false; got %s", name, kindName(n))
			return
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
	default:
		panic(fmt.Sprintf("config: no decoder for %s", v.Type()))
	}
}

// structFields lists the YAML keys of a struct type, flattening `,inline` fields.
type structField struct {
	index    []int
	tags     fieldTags
	required bool
}

func structFields(t reflect.Type) map[string]structField {
	out := map[string]structField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		yt := f.Tag.Get("yaml")
		if strings.Contains(yt, ",inline") {
			for k, sf := range structFields(f.Type) {
				sf.index = append([]int{i}, sf.index...)
				out[k] = sf
			}
			continue
		}
		tags := tagsOf(f)
		out[tags.name] = structField{index: []int{i}, tags: tags, required: !strings.Contains(yt, ",omitempty")}
	}
	return out
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) {
	p := Pos{n.Line, n.Column}
	name := path
	if name == "" {
		name = "document"
	}
	if n.Kind != yaml.MappingNode {
		d.fail(p, "", "%s must be a mapping of key: value; got %s", name, kindName(n))
		return
	}
	fields := structFields(v.Type())
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	seen := map[string]Pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		kp := Pos{k.Line, k.Column}
		if k.Kind != yaml.ScalarNode {
			d.fail(kp, "", "%s: keys must be plain strings", name)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(kp, fmt.Sprintf("first written at line %d", first.Line), "%s: duplicate key %q", name, k.Value)
			continue
		}
		seen[k.Value] = kp
		f, ok := fields[k.Value]
		if !ok {
			where := "at the top level"
			if path != "" {
				where = "in " + path
			}
			hint := didYouMean(k.Value, keys)
			if hint == "" {
				hint = "known keys: " + strings.Join(keys, ", ")
			}
			d.fail(kp, hint, "unknown key %q %s", k.Value, where)
			continue
		}
		d.pos[join(path, k.Value)+"#key"] = kp
		d.value(val, v.FieldByIndex(f.index), join(path, k.Value), f.tags)
	}
	var missing []string
	for _, k := range keys {
		if !fields[k].required {
			continue
		}
		if _, ok := seen[k]; !ok || nullValue(n, k) {
			missing = append(missing, k)
		}
	}
	for _, k := range missing {
		d.fail(p, "", "%s: missing required key %q", name, k)
	}
}

// nullValue reports whether mapping n writes key with an empty value (`key:`).
func nullValue(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1].Kind == yaml.ScalarNode && n.Content[i+1].Tag == "!!null"
		}
	}
	return false
}
