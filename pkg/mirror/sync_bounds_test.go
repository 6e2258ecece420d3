package mirror_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
)

// TestSyncDeploymentBounds: Sync keeps the newest 20 deployments of a
// tag and the newest 100 statuses of a deployment, stores a payload that
// is not a small JSON object as {}, cuts long descriptions, and drops what
// it cannot store (a bad environment, a repeated id, an unknown state),
// with a warning per tag; the result is served.
func TestSyncDeploymentBounds(t *testing.T) {
	f := newFixture(t, mirror.ServerOptions{})
	src := boundsSource()
	core, logs := observer.New(zapcore.WarnLevel)
	if _, err := mirror.Sync(context.Background(), src, f.dir, testRepo, zap.New(core)); err != nil {
		t.Fatalf("Sync() error = %v", err)
	}

	stored := readStored(t, f.dir)
	var ids []int64
	for _, d := range stored.Deployments {
		ids = append(ids, d.ID)
	}
	wantIDs := []int64{1903}
	for id := int64(2011); id <= 2030; id++ {
		wantIDs = append(wantIDs, id)
	}
	if !slices.Equal(ids, wantIDs) {
		t.Fatalf("stored ids %v, want %v (oldest first, newest 20 of release-20)", ids, wantIDs)
	}
	byID := func(id int64) int { return slices.Index(ids, id) }
	last := stored.Deployments[byID(2030)].Statuses
	if len(last) != 100 || last[0].ID != 2030051 || last[99].ID != 2030150 {
		t.Errorf("statuses of 2030: %d, from %d to %d; want the newest 100 of 151 (2030051 to 2030150)", len(last), last[0].ID, last[len(last)-1].ID)
	}
	for _, id := range []int64{2029, 2028, 2027} {
		if p := string(stored.Deployments[byID(id)].Payload); p != "{}" {
			t.Errorf("payload of %d = %.40s, want {}", id, p)
		}
	}
	if p := string(stored.Deployments[byID(2030)].Payload); p != `{"neco":{"update_id":1,"site":"stg0"}}` {
		t.Errorf("a small payload was not kept: %s", p)
	}
	if d := stored.Deployments[byID(2026)].Description; utf8.RuneCountInString(d) != 140 || !strings.HasSuffix(d, "é...") {
		t.Errorf("long description stored as %q, want 140 characters ending in ...", d)
	}
	if sts := stored.Deployments[byID(1903)].Statuses; len(sts) != 1 || sts[0].State != "in_progress" {
		t.Errorf("statuses of 1903 = %+v, want only the first (unknown state, repeated id dropped)", sts)
	}
	if n := logs.FilterMessageSnippet("cannot store").Len(); n != 2 {
		t.Errorf("%d warnings about dropped data, want one per tag (2): %v", n, logs.All())
	}
	if d := githubDeployment(t, f.github(), 2028); string(d.Payload) != "{}" || d.GetRef() != "release-20" {
		t.Errorf("served 2028: %s %s", d.GetRef(), d.Payload)
	}
}

// TestSyncDeploymentsFileSize: deployments that would make the file
// larger than 4 MiB are dropped, oldest first, with a warning; the newest
// stay, and the file is served.
func TestSyncDeploymentsFileSize(t *testing.T) {
	f := newFixture(t, mirror.ServerOptions{})
	src := newDeploymentSource(20, false)
	desc := strings.Repeat("é", 140)
	for tag := 1; tag <= 20; tag++ {
		ref := fmt.Sprintf("release-%d", tag)
		for i := range 20 {
			d := sourceDeployment(int64(tag*100+i), ref, "staging-stg0")
			for s := range 100 {
				d.Statuses = append(d.Statuses, model.DeploymentStatusRecord{ID: d.ID*1000 + int64(s),
					State: "success", Environment: "staging-stg0", Description: desc})
			}
			src.records[ref] = append(src.records[ref], d)
		}
	}
	core, logs := observer.New(zapcore.WarnLevel)
	if _, err := mirror.Sync(context.Background(), src, f.dir, testRepo, zap.New(core)); err != nil {
		t.Fatalf("Sync() error = %v", err)
	}
	fi, err := os.Stat(filepath.Join(f.dir, testRepo, "deployments.json"))
	if err != nil || fi.Size() > 4<<20 || fi.Size() < 3<<20 {
		t.Fatalf("deployments.json: %v, %v; want at most 4 MiB, and filled", fi, err)
	}
	stored := readStored(t, f.dir)
	n := len(stored.Deployments)
	if n == 0 || n == 400 || stored.Deployments[n-1].ID != 2019 {
		t.Fatalf("kept %d deployments, the newest %d; want some, not all, up to 2019", n, stored.Deployments[n-1].ID)
	}
	if logs.FilterMessageSnippet("too large").Len() != 1 {
		t.Errorf("no single warning about the trimmed file: %v", logs.All())
	}
	githubDeployment(t, f.github(), 2019)
}

// boundsSource lists 30 deployments of release-20, the newest with 151
// statuses, three with payloads to replace and one with a long
// description, and for release-19 four with something to drop.
func boundsSource() *deploymentSource {
	src := newDeploymentSource(20, false)
	var newest []model.DeploymentRecord
	for id := int64(2001); id <= 2030; id++ {
		newest = append(newest, sourceDeployment(id, "release-20", "staging-stg0", "success"))
	}
	many := &newest[29]
	for i := range 150 {
		many.Statuses = append(many.Statuses, model.DeploymentStatusRecord{ID: 2030001 + int64(i), State: "queued", Environment: "staging-stg0"})
	}
	newest[28].Payload = json.RawMessage(`{"big": "` + strings.Repeat("x", 9<<10) + `"}`)
	newest[27].Payload = json.RawMessage(`[1]`)
	newest[26].Payload = nil
	newest[25].Description = strings.Repeat("é", 300)
	src.records["release-20"] = newest
	bad := []model.DeploymentRecord{
		sourceDeployment(1901, "release-19", "bad\x00env", "success"),
		sourceDeployment(1902, "release-19", "", "success"),
		sourceDeployment(2030, "release-19", "staging-stg0", "success"), // listed under release-20 already
		sourceDeployment(1903, "release-19", "staging-stg0", "in_progress", "done", "success"),
	}
	bad[3].Statuses[2].ID = bad[3].Statuses[0].ID
	src.records["release-19"] = bad
	return src
}
