// Command promcheck runs, on the same Prometheus library code, the promtool checks Albatross's tests
// need, with promtool's arguments, output and exit codes (0 ok, 1 failure, 3 lint problems):
//
//	promcheck check metrics < metrics.txt   client_golang's promlint, as `promtool check metrics`
//	promcheck check rules FILE...           rulefmt parsing and validation (PromQL, templates) plus
//	                                        the duplicate-rules lint, as `promtool check rules`
//	promcheck test rules FILE...            promtool's own rule unit-test runner (unittest.go)
//
// unittest.go (RulesUnitTestResult) is not in this repository: test/env/go-tools.ts copies it into
// this package at build time from github.com/prometheus/prometheus's module source at the version
// go.mod pins (cmd/promtool/unittest.go; promtool is package main, so it cannot be imported).
//
// The whole promtool also checks configs, queries servers and runs service discovery; that build
// (every SD's cloud SDK) is too slow for CI, and none of it is needed here.
package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"
)

// As promtool's main.go.
const (
	successExitCode = 0
	failureExitCode = 1
	lintErrExitCode = 3
)

var logger = promslog.New(&promslog.Config{})

func init() {
	// As promtool: UTF-8 metric and label names (the legacy global is still read by some code).
	//nolint:staticcheck
	model.NameValidationScheme = model.UTF8Validation
}

const usage = "usage: promcheck check metrics < FILE | promcheck check rules FILE... | promcheck test rules FILE..."

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(failureExitCode)
	}
	// promtool's defaults: no experimental PromQL features.
	p := parser.NewParser(parser.Options{})
	files := os.Args[3:]
	switch os.Args[1] + " " + os.Args[2] {
	case "check metrics":
		os.Exit(checkMetrics(os.Stdin))
	case "check rules":
		os.Exit(checkRules(p, files))
	case "test rules":
		// promtool's `test rules` defaults (main.go): @ modifier and negative offsets on.
		os.Exit(RulesUnitTestResult(io.Discard, promqltest.LazyLoaderOpts{EnableAtModifier: true, EnableNegativeOffset: true}, p, nil, false, false, false, files...))
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(failureExitCode)
	}
}

// checkMetrics is promtool's CheckMetrics without --extended: promlint's problems, one a line.
func checkMetrics(in io.Reader) int {
	problems, err := promlint.New(in).Lint()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error while linting:", err)
		return failureExitCode
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p.Metric, p.Text)
	}
	if len(problems) > 0 {
		return lintErrExitCode
	}
	return successExitCode
}

// checkRules is promtool's checkRules with its default lint (duplicate-rules, not fatal):
// rulefmt.ParseFile validates every expression, label and annotation template.
func checkRules(p parser.Parser, files []string) int {
	if len(files) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return failureExitCode
	}
	failed := false
	for _, f := range files {
		fmt.Println("Checking", f)
		rgs, errs := rulefmt.ParseFile(f, false, model.UTF8Validation, p, logger)
		if errs != nil {
			failed = true
			fmt.Fprintln(os.Stderr, "  FAILED:")
			for _, e := range errs {
				fmt.Fprintln(os.Stderr, e.Error())
			}
			continue
		}
		n := 0
		for _, rg := range rgs.Groups {
			n += len(rg.Rules)
		}
		if dups := duplicates(rgs.Groups); len(dups) > 0 {
			// A lint warning in promtool (exit 0 without --lint-fatal); printed the same way.
			fmt.Fprintln(os.Stderr, "  FAILED:")
			fmt.Fprintf(os.Stderr, "%d duplicate rule(s) found.\n%s", len(dups), strings.Join(dups, ""))
			fmt.Fprintln(os.Stderr, "Might cause inconsistency while recording expressions")
			continue
		}
		fmt.Printf("  SUCCESS: %d rules found\n\n", n)
	}
	if failed {
		return failureExitCode
	}
	return successExitCode
}

// duplicates is promtool's checkDuplicates: rules with one name and the same labels (group's and rule's).
func duplicates(groups []rulefmt.RuleGroup) []string {
	type key struct {
		metric string
		labels labels.Labels
	}
	var all []key
	for _, g := range groups {
		for _, r := range g.Rules {
			name := r.Record
			if r.Alert != "" {
				name = r.Alert
			}
			all = append(all, key{name, rules.FromMaps(g.Labels, r.Labels)})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].metric != all[j].metric {
			return all[i].metric < all[j].metric
		}
		return labels.Compare(all[i].labels, all[j].labels) < 0
	})
	var out []string
	for i := 1; i < len(all); i++ {
		same := all[i].metric == all[i-1].metric && labels.Compare(all[i].labels, all[i-1].labels) == 0
		if same && (len(out) == 0 || !strings.HasPrefix(out[len(out)-1], "Metric: "+all[i].metric+"\n")) {
			var b strings.Builder
			fmt.Fprintf(&b, "Metric: %s\nLabel(s):\n", all[i].metric)
			all[i].labels.Range(func(l labels.Label) { fmt.Fprintf(&b, "\t%s: %s\n", l.Name, l.Value) })
			out = append(out, b.String())
		}
	}
	return out
}

// parseTime is promtool's (query.go), which unittest.go uses for start_timestamp.
func parseTime(s string) (time.Time, error) {
	if t, err := strconv.ParseFloat(s, 64); err == nil {
		s, ns := math.Modf(t)
		return time.Unix(int64(s), int64(ns*float64(time.Second))).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", s)
}
