package config

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEDocumentsEveryKey keeps the README's configuration table in
// step with the registry: every key, with its default, has a row.
func TestREADMEDocumentsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(readme), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[1]), "`")
		rows[name] = strings.Trim(strings.TrimSpace(cells[2]), "`")
	}
	for _, k := range Keys() {
		def, ok := rows[k.Name]
		if !ok {
			t.Errorf("README has no row for config key %q", k.Name)
			continue
		}
		want := k.Default
		if want == "" {
			want = "—"
		}
		if def != want {
			t.Errorf("README default of %q = %q, registry says %q", k.Name, def, want)
		}
	}
}
