package cli

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// minMessageWidth is the least a cut MESSAGE cell keeps, even when the
// other columns leave less: the cell then only hints that messages:
// below has the text, and a terminal that narrow wraps anyway.
const minMessageWidth = 8

// writeServersText writes the server table. The MESSAGE column is cut so
// that a row fits width columns (0: no cut); a cut message is listed whole
// below the table, once for all the servers that report it: three servers
// failing the same way read as one problem, not three. --json has every
// message whole.
func writeServersText(b *strings.Builder, s statusJSON, width int) {
	if len(s.Servers) == 0 {
		b.WriteString("no boot servers registered (neco join LRN)\n")
		return
	}
	rows := [][]string{{"LRN", "HOST", "IN UPDATE", "STEP", "STEP NAME", "COND", "UPDATED", "MESSAGE"}}
	for _, srv := range s.Servers {
		host := "-"
		if srv.Hostname != nil {
			host = valueCell(*srv.Hostname)
		}
		step, name, cond, updated, msg := "-", "-", "-", "-", ""
		if r := srv.Report; r != nil {
			step, name, cond = strconv.Itoa(r.Step), orDash(oneLine(r.StepName)), r.Cond
			updated, msg = formatAgo(s.Now, r.UpdatedAt), oneLine(r.Message)
		} else if srv.InUpdate {
			cond = "no report"
		}
		rows = append(rows, []string{strconv.Itoa(srv.LRN), host, yesNo(srv.InUpdate), step, name, cond, updated, msg})
	}
	widths := columnWidths(rows)
	budget := 0
	if width > 0 {
		budget = max(width-lineWidth(widths[:len(widths)-1]), minMessageWidth)
	}
	var cut messageGroups
	for i, row := range rows {
		if msg := row[len(row)-1]; i > 0 && budget > 0 && utf8.RuneCountInString(msg) > budget {
			row[len(row)-1] = string([]rune(msg)[:budget-1]) + "…"
			cut.add(msg, row[0])
		}
		writeRow(b, row, widths)
	}
	if len(cut) > 0 {
		b.WriteString("\nmessages:\n")
		for _, g := range cut {
			fmt.Fprintf(b, "  %s: %s\n", strings.Join(g.lrns, ","), g.msg)
		}
	}
	writeNotesText(b, s)
}

// writeNotesText lists what workers did beyond the plan (a repaired
// package, denied service restarts), once for all the servers that say
// the same, never cut: it is what an SRE must not miss.
func writeNotesText(b *strings.Builder, s statusJSON) {
	var notes messageGroups
	for _, srv := range s.Servers {
		if srv.Report == nil {
			continue
		}
		for _, n := range srv.Report.Notes {
			notes.add(oneLine(n), strconv.Itoa(srv.LRN))
		}
	}
	if len(notes) == 0 {
		return
	}
	b.WriteString("\nnotes:\n")
	for _, g := range notes {
		fmt.Fprintf(b, "  %s: %s\n", strings.Join(g.lrns, ","), g.msg)
	}
}

// messageGroups are the cut messages, each with the servers that report
// it, in the table's order.
type messageGroups []struct {
	msg  string
	lrns []string
}

func (gs *messageGroups) add(msg, lrn string) {
	for i := range *gs {
		if (*gs)[i].msg == msg {
			(*gs)[i].lrns = append((*gs)[i].lrns, lrn)
			return
		}
	}
	*gs = append(*gs, struct {
		msg  string
		lrns []string
	}{msg, []string{lrn}})
}

// columnPadding separates columns, as tabwriter did for this table.
const columnPadding = 2

// columnWidths is the widest cell of each column, in runes.
func columnWidths(rows [][]string) []int {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	return widths
}

// lineWidth is how wide the columns are with their padding.
func lineWidth(widths []int) int {
	n := 0
	for _, w := range widths {
		n += w + columnPadding
	}
	return n
}

// writeRow pads every cell but the last to its column's width.
func writeRow(b *strings.Builder, row []string, widths []int) {
	for i, cell := range row {
		b.WriteString(cell)
		if i < len(row)-1 {
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)+columnPadding))
		}
	}
	b.WriteString("\n")
}
