package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Block Kit limits (docs.slack.dev/reference/block-kit/blocks): Slack
// rejects the whole message with invalid_blocks when one is exceeded, so
// text is cut to fit rather than trusted to be short.
const (
	slackHeaderMax  = 150
	slackFieldMax   = 2000
	slackSectionMax = 3000
)

// slackMessage is an incoming-webhook payload: Text is the plain fallback
// Slack shows in notifications and clients without Block Kit.
type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

// slackBlock covers the two block types used: header (Text, plain_text)
// and section (Text and/or Fields, mrkdwn).
type slackBlock struct {
	Type   string      `json:"type"`
	Text   *slackText  `json:"text,omitempty"`
	Fields []slackText `json:"fields,omitempty"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slack struct{ p poster }

// NewSlack returns a Sender that posts each event to a Slack incoming
// webhook: a header naming the update and what happened, a section of
// fields (version, env, reason, servers, duration once finished, a link
// to the release when known), and the failure message for aborted and
// timed-out updates. client may be nil (a plain http.Client); redirects
// are never followed (a redirected POST becomes a GET that may "succeed").
func NewSlack(url string, client *http.Client) Sender {
	return slack{p: newPoster("slack", "slack webhook", url, client)}
}

func (s slack) Name() string { return s.p.name }

func (s slack) Send(ctx context.Context, e Event) error {
	body, err := json.Marshal(newSlackMessage(e))
	if err != nil {
		return fmt.Errorf("encode slack message: %w: %w", ErrPermanent, err)
	}
	return s.p.post(ctx, body)
}

func newSlackMessage(e Event) slackMessage {
	blocks := []slackBlock{
		{Type: "header", Text: &slackText{Type: "plain_text", Text: truncate(headline(e), slackHeaderMax)}},
		{Type: "section", Fields: slackFields(e)},
	}
	if e.failed() {
		msg := e.Message
		if msg == "" {
			msg = "no message recorded"
		}
		text := "*Failure*\n" + slackEscape(msg)
		blocks = append(blocks, slackBlock{Type: "section", Text: mrkdwn(truncate(text, slackSectionMax))})
	} else if e.Message != "" {
		// An update started for a reason worth saying: an automatic
		// rollback says why it rolls back.
		blocks = append(blocks, slackBlock{Type: "section", Text: mrkdwn(truncate(slackEscape(e.Message), slackSectionMax))})
	}
	return slackMessage{Text: slackEscape(fallback(e)), Blocks: blocks}
}

func slackFields(e Event) []slackText {
	fields := []slackText{
		field("Version", slackEscape(e.Version)),
		field("Env", slackEscape(e.Env)),
	}
	if e.Site != "" {
		fields = append(fields, field("Site", slackEscape(e.Site)))
	}
	if e.Kind != KindAwaitingApproval { // no update yet: no reason, no servers
		fields = append(fields,
			field("Reason", slackEscape(e.Reason)),
			field("Servers", serverList(e.Servers)),
		)
	}
	if d, ok := e.duration(); ok {
		fields = append(fields, field("Duration", d.Round(time.Second).String()))
	}
	if e.ReleaseURL != "" {
		fields = append(fields, field("Release", slackLink(e.ReleaseURL, e.Tag)))
	}
	return fields
}

// headline is the header text: which update, and what happened to it;
// of which site first, when it is named: sites of one channel share it.
func headline(e Event) string {
	h := fmt.Sprintf("neco update %d %s: %s", e.UpdateID, e.Kind.phrase(), e.Version)
	if e.Kind == KindAwaitingApproval {
		h = fmt.Sprintf("neco: release %s is awaiting approval", e.Version)
	}
	if e.Site != "" {
		h = e.Site + ": " + h
	}
	return h
}

// fallback is the one-line summary for notifications and old clients.
func fallback(e Event) string {
	if e.Kind == KindAwaitingApproval {
		return fmt.Sprintf("%s on %s: %s", headline(e), e.Env, e.Message)
	}
	s := fmt.Sprintf("%s on %s (reason %s, servers %s", headline(e), e.Env, e.Reason, serverList(e.Servers))
	if d, ok := e.duration(); ok {
		s += ", duration " + d.Round(time.Second).String()
	}
	s += ")"
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// field is one cell of the section's two-column grid: a bold name over
// its value.
func field(name, value string) slackText {
	if value == "" {
		value = "-"
	}
	return *mrkdwn(truncate("*"+name+"*\n"+value, slackFieldMax))
}

func mrkdwn(s string) *slackText { return &slackText{Type: "mrkdwn", Text: s} }

func serverList(lrns []int) string {
	if len(lrns) == 0 {
		return "none"
	}
	s := make([]string, len(lrns))
	for i, l := range lrns {
		s[i] = strconv.Itoa(l)
	}
	return strings.Join(s, ", ")
}

// slackLink renders <url|label>. The label defaults to the URL itself; a
// "|" or ">" in the URL would end the link early, so they are escaped.
func slackLink(url, label string) string {
	if label == "" {
		label = url
	}
	url = strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(url)
	return "<" + slackEscape(url) + "|" + slackEscape(label) + ">"
}

// slackEscape escapes the three characters Slack treats as markup, so
// that a message like "<!channel>" cannot ping everyone.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// truncate cuts s to at most n characters (Slack counts characters, not
// bytes), marking the cut with "...".
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}
