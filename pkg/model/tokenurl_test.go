package model

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckTokenURL(t *testing.T) {
	tests := []struct {
		url   string
		token bool
		ok    bool
	}{
		{"https://api.github.com/", true, true},
		{"HTTPS://ghe.example.com/api/v3/", true, true},
		{"http://127.0.0.1:8080/", true, true},
		{"http://127.3.2.1/", true, true},
		{"http://[::1]:8080/", true, true},
		{"http://[::ffff:127.0.0.1]/", true, true},
		{"http://localhost:8080/", true, true},
		{"http://LocalHost/", true, true},
		{"http://192.0.2.2/", true, false},
		{"http://mirror.example.com/", true, false},
		{"http://localhost.example.com/", true, false},
		{"http://[::2]/", true, false},
		{"http://192.0.2.2/", false, true},
	}
	for _, tt := range tests {
		err := CheckTokenURL(tt.url, tt.token)
		if tt.ok {
			if err != nil {
				t.Errorf("CheckTokenURL(%q, %v) = %v, want nil", tt.url, tt.token, err)
			}
			continue
		}
		if !errors.Is(err, ErrTokenInClear) || !strings.Contains(err.Error(), "github-api-url") {
			t.Errorf("CheckTokenURL(%q, %v) = %v, want ErrTokenInClear naming github-api-url", tt.url, tt.token, err)
		}
	}
}
