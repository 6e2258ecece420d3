package config

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"
)

// Seeds live in testdata/fuzz/<FuzzName>/ so that plain `go test` replays them.

func FuzzParseLocal(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLocal(bytes.NewReader(data))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if err := l.Validate(); err != nil {
			t.Fatalf("ParseLocal accepted a Local that does not validate: %v", err)
		}
		// What was accepted must survive being written back out: the CLI
		// may print a config for the operator to keep.
		out, err := yaml.Marshal(l)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := ParseLocal(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", out, err)
		}
		if diff := cmp.Diff(l, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip mismatch (-first +second):\n%s", diff)
		}
	})
}

// leakMarker is planted inside values of secret keys; no error may echo it.
const leakMarker = "Qz7LEAKzQ7"

func FuzzValidateValue(f *testing.F) {
	f.Fuzz(func(t *testing.T, name, value string) {
		err := ValidateValue(name, value)
		_, unknown, perr := ParseCluster(map[string]string{name: value})
		k, known := LookupKey(name)
		if !known {
			if !errors.Is(err, ErrUnknownKey) || perr != nil || len(unknown) != 1 || unknown[0] != name {
				t.Fatalf("unknown key %q: ValidateValue %v, ParseCluster %v %q", name, err, perr, unknown)
			}
			return
		}
		switch {
		case (err == nil) != (perr == nil):
			t.Fatalf("ValidateValue says %v but ParseCluster says %v", err, perr)
		case err != nil && perr.Error() != "config/"+err.Error():
			t.Fatalf("ParseCluster error %q does not match ValidateValue error %q", perr, err)
		}
		if k.Secret && value != "" && Redact(name, value) != Redacted {
			t.Fatalf("Redact(%q) shows the secret", name)
		}
		if k.Secret || name == "proxy" {
			half := len(value) / 2
			marked := value[:half] + leakMarker + value[half:]
			if err := ValidateValue(name, marked); err != nil && strings.Contains(err.Error(), leakMarker) {
				t.Fatalf("error for secret %s echoes the value: %v", name, err)
			}
		}
	})
}
