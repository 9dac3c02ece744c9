package config

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a place in a file: 1-based line and column. The zero Pos means "the whole file".
type Pos struct {
	Line, Col int
}

// Diagnostic is one problem in one file, printed as `file:line:col: message (hint)`.
type Diagnostic struct {
	File string
	Pos  Pos
	Msg  string
	Hint string // optional: "did you mean ...", or the fix
}

func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Pos.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", d.Pos.Line, d.Pos.Col)
	}
	b.WriteString(": ")
	b.WriteString(d.Msg)
	if d.Hint != "" {
		b.WriteString(" (")
		b.WriteString(d.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Diagnostics is every problem found in a fleet. It is an error when non-empty.
type Diagnostics []Diagnostic

func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Sort orders diagnostics by file, line, column, then message, so output is stable.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		return a.Msg < b.Msg
	})
}

// reporter collects diagnostics for one file.
type reporter struct {
	file  string
	diags *Diagnostics
}

func (r reporter) at(p Pos, hint, format string, args ...any) {
	*r.diags = append(*r.diags, Diagnostic{File: r.file, Pos: p, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// didYouMean returns `did you mean "x"?` for the closest candidate within a small edit
// distance of got, or "" when nothing is close.
func didYouMean(got string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := levenshtein(strings.ToLower(got), strings.ToLower(c))
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	limit := max(1, len(got)/3)
	if best == "" || bestD > limit || bestD >= len(got) || bestD == 0 && best == got {
		return ""
	}
	return fmt.Sprintf("did you mean %q?", best)
}

// oneOf renders candidates as `a, b, c` for messages.
func oneOf[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// levenshtein is the optimal string alignment distance: insertions, deletions, substitutions
// and transpositions of neighbours ("domian" is one edit from "domain").
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
