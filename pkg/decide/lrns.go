package decide

import (
	"fmt"
	"strconv"
	"strings"
)

// maxRanges bounds the runs of servers a waiting worker's message names:
// every waiting report is read by the others waiting, so a message
// naming all N servers ahead would make a rolling step cost N² bytes.
const maxRanges = 4

// lrnRanges lists sorted LRNs as runs ("0-99, 101"), the first max of
// them, then how many servers the rest hold ("and 12 more").
func lrnRanges(lrns []int, max int) string {
	var parts []string
	rest := 0
	for i := 0; i < len(lrns); {
		j := i
		for j+1 < len(lrns) && lrns[j+1] == lrns[j]+1 {
			j++
		}
		switch {
		case len(parts) == max:
			rest += j - i + 1
		case j == i:
			parts = append(parts, strconv.Itoa(lrns[i]))
		default:
			parts = append(parts, fmt.Sprintf("%d-%d", lrns[i], lrns[j]))
		}
		i = j + 1
	}
	if rest > 0 {
		parts[len(parts)-1] += fmt.Sprintf(" and %d more", rest)
	}
	return strings.Join(parts, ", ")
}

// lrnList formats LRNs for reasons, e.g. "0, 2, 10".
func lrnList(lrns []int) string {
	parts := make([]string, len(lrns))
	for i, l := range lrns {
		parts[i] = strconv.Itoa(l)
	}
	return strings.Join(parts, ", ")
}
