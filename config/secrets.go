package config

import (
	"math"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// A tenant file is reviewed in a pull request and lands in git: it must never hold a secret.
// scanSecrets flags keys that name a secret and values that look like one, anywhere in the
// document (known keys, unknown keys, tags, comments).

var secretKeyRE = regexp.MustCompile(`(?i)(passw(or)?d|passphrase|\bpwd\b|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|client[_-]?secret|credential|auth[_-]?key)`)

var secretValueREs = []struct {
	re   *regexp.Regexp
	what string
}{
	{regexp.MustCompile(`\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b`), "an AWS access key id"},
	{regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`), "a private key"},
	{regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{36,}\b`), "a GitHub token"},
	{regexp.MustCompile(`\bxox[abprs]-[A-Za-z0-9-]{10,}`), "a Slack token"},
	{regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+`), "a JSON Web Token"},
	{regexp.MustCompile(`\bsk_(live|test)_[A-Za-z0-9]{16,}`), "a Stripe key"},
	{regexp.MustCompile(`(?i)\b(password|passwd|pwd|secret|token)\s*[=:]\s*\S{6,}`), "an inline password or token"},
	{regexp.MustCompile(`://[^/\s:@]+:[^/\s@]+@`), "a URL with a password"},
}

const secretHint = "keep secrets in AWS Secrets Manager; the app generates and references them by ARN"

func scanSecrets(r reporter, root *yaml.Node, raw []byte) {
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if secretKeyRE.MatchString(k.Value) && v.Kind == yaml.ScalarNode && v.Tag != "!!null" && v.Value != "" {
					r.at(Pos{k.Line, k.Column}, secretHint, "key %q looks like it holds a secret", k.Value)
				}
			}
		}
		if n.Kind == yaml.ScalarNode {
			if what := secretValue(n.Value); what != "" {
				r.at(Pos{n.Line, n.Column}, secretHint, "value looks like %s", what)
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	// Comments are not values, but they land in git all the same.
	for i, line := range strings.Split(string(raw), "\n") {
		j := strings.Index(line, "#")
		if j < 0 || strings.Contains(line[:j], "\"") || strings.Contains(line[:j], "'") {
			continue
		}
		if what := secretValue(line[j+1:]); what != "" {
			r.at(Pos{i + 1, j + 1}, secretHint, "comment looks like it holds %s", what)
		}
	}
}

func secretValue(s string) string {
	for _, p := range secretValueREs {
		if p.re.MatchString(s) {
			return p.what
		}
	}
	for _, f := range strings.Fields(s) {
		if highEntropy(f) {
			return "a random key (long, high-entropy string)"
		}
	}
	return ""
}

// highEntropy reports a token of 32+ characters from a key-like alphabet, mixing letters and
// digits, at more than 4.2 bits of Shannon entropy per character.
func highEntropy(s string) bool {
	if len(s) < 32 || strings.ContainsAny(s, ".@/:") {
		return false
	}
	var letters, digits bool
	counts := map[rune]int{}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letters = true
		case c >= '0' && c <= '9':
			digits = true
		case c == '+' || c == '=' || c == '_' || c == '-':
		default:
			return false
		}
		counts[c]++
	}
	if !letters || !digits {
		return false
	}
	h := 0.0
	for _, n := range counts {
		p := float64(n) / float64(len(s))
		h -= p * math.Log2(p)
	}
	return h > 4.2
}
