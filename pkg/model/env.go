package model

import "fmt"

// Env is an update channel: which releases a site follows.
type Env string

// The channels. See Env.Accepts for what each one takes.
const (
	// EnvProduction takes published releases only.
	EnvProduction Env = "production"
	// EnvStaging takes releases and pre-releases.
	EnvStaging Env = "staging"
	// EnvDev takes what staging takes, plus the dev prefixes.
	EnvDev Env = "dev"
	// EnvTest never updates automatically (tests, manual sites).
	EnvTest Env = "test"
)

// Envs lists every channel in a stable order (for output and help).
var Envs = []Env{EnvProduction, EnvStaging, EnvDev, EnvTest}

// ParseEnv validates s as a channel name.
func ParseEnv(s string) (Env, error) {
	for _, e := range Envs {
		if string(e) == s {
			return e, nil
		}
	}
	return "", fmt.Errorf("unknown env %q; want production, staging, dev or test", s)
}
