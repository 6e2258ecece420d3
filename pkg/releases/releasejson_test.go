package releases

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v66/github"
)

func TestDecodeReleases(t *testing.T) {
	published := &github.Timestamp{Time: time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)}
	tests := []struct {
		name    string
		in      string
		want    []apiRelease
		wantErr error // nil: success; else errors.Is
		syntax  bool  // a JSON type error
	}{
		{name: "no releases", in: `[]`, want: nil},
		{name: "a release and a draft with null published_at",
			in: `[{"tag_name":"release-1.0","body":"long notes","published_at":"2026-11-23T14:00:00Z","html_url":"https://x/1",
			       "assets":[{"id":7,"name":"a.deb","size":3}]},
			      {"tag_name":"release-1.1","draft":true,"prerelease":true,"published_at":null}]`,
			want: []apiRelease{
				{TagName: "release-1.0", PublishedAt: published, HTMLURL: "https://x/1",
					Assets: []*github.ReleaseAsset{{ID: github.Int64(7), Name: github.String("a.deb"), Size: github.Int(3)}}},
				{TagName: "release-1.1", Draft: true, Prerelease: true},
			}},
		{name: "an object, not an array", in: `{"tag_name":"release-1.0"}`, wantErr: ErrMalformed},
		{name: "null", in: `null`, wantErr: ErrMalformed},
		{name: "wrong type", in: `[{"draft":"yes"}]`, syntax: true},
		{name: "cut after an element", in: `[{"tag_name":"release-1.0"},`, wantErr: io.ErrUnexpectedEOF},
		{name: "cut before the end", in: `[{"tag_name":"release-1.0"}`, wantErr: io.ErrUnexpectedEOF},
		{name: "cut inside an element", in: `[{"tag_name":"rel`, wantErr: io.ErrUnexpectedEOF},
		{name: "empty", in: ``, wantErr: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeReleases(strings.NewReader(tt.in))
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			case tt.syntax:
				var typ *json.UnmarshalTypeError
				if !errors.As(err, &typ) {
					t.Fatalf("err = %v, want a JSON type error", err)
				}
			case err != nil:
				t.Fatal(err)
			default:
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}
		})
	}
}

// FuzzDecodeReleases: the streaming decoder agrees with decoding the
// whole page at once, on every input either accepts.
func FuzzDecodeReleases(f *testing.F) {
	for _, s := range []string{
		`[]`, `[{"tag_name":"release-1.0","published_at":null,"assets":[{"id":1}]}]`,
		`[{"tag_name":"a"},{"tag_name":"b","draft":true}]`, `{}`, `[1]`, `[{"published_at":12}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := decodeReleases(strings.NewReader(string(in)))
		var whole []apiRelease
		wholeErr := json.Unmarshal(in, &whole)
		if err != nil || wholeErr != nil {
			return // either may refuse what the other takes: trailing data, null
		}
		if len(whole) == 0 {
			whole = nil
		}
		if diff := cmp.Diff(whole, got); diff != "" {
			t.Fatalf("streaming and whole decoding differ (-whole +streaming):\n%s", diff)
		}
	})
}
