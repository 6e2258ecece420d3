package releases

import (
	"net/http"
	"time"
)

// minSkew is the smallest difference between the release source's clock
// and this one that is taken as skew. The Date header has a resolution of
// a second and the answer takes time to arrive: below this the clocks are
// taken to agree, so that an age does not jitter from one poll to the next.
const minSkew = 5 * time.Second

// sourceSkew is how far the release source's clock ran ahead of now
// (negative: behind) when it answered with header h, by its Date header;
// zero when it sent none, an unparseable one, or one within minSkew.
// min-release-age compares a release's published_at, which the source's
// clock wrote, with this server's clock: the skew lets it compare on one.
func sourceSkew(h http.Header, now time.Time) time.Duration {
	date, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return 0
	}
	d := date.Sub(now)
	if d > -minSkew && d < minSkew {
		return 0
	}
	return d
}
