package config

import (
	"errors"
	"testing"
)

func TestCheckTokenURL(t *testing.T) {
	for _, tt := range []struct {
		url      string
		hasToken bool
		refused  bool
	}{
		{"https://api.github.com/", true, false},
		{"https://192.0.2.2/api/v3/", true, false},
		{"http://127.0.0.1:8080/", true, false},
		{"http://127.0.0.2:8080/", true, false},
		{"http://[::1]:8080/", true, false},
		{"http://localhost:8080/", true, false},
		{"http://192.0.2.2/", true, true},
		{"http://mirror.example:8080/", true, true},
		{"http://127.0.0.1.example/", true, true},
		{"http://192.0.2.2/", false, false},
	} {
		err := CheckTokenURL(tt.url, tt.hasToken)
		if got := errors.Is(err, ErrTokenInClear); got != tt.refused {
			t.Errorf("CheckTokenURL(%s, token %v) = %v, want refused %v", tt.url, tt.hasToken, err, tt.refused)
		}
	}
}
