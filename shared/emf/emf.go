// Package emf writes CloudWatch metrics as log records, in CloudWatch's
// embedded metric format (EMF): a JSON log line with an "_aws" member
// naming the metric and its dimensions, whose values are members of the
// same line. Lambda's JSON logs (log/slog's JSONHandler on stdout) reach
// CloudWatch Logs, which extracts the metric; no SDK call and no AWS
// import are needed, so the domain may count what it decides. Elsewhere
// (tests, the local run) the record is an ordinary structured log line.
package emf

import (
	"context"
	"log/slog"
	"time"
)

// Namespace is the CloudWatch namespace of the product's metrics.
const Namespace = "TwitterCases"

// Count logs msg at info level on log with the attributes attrs (key-value
// pairs, as slog takes them) and counts 1 of the metric name, with one
// dimension per key in dims, whose values must be among attrs as strings.
// The line is the metric: CloudWatch counts it once per record.
func Count(ctx context.Context, log *slog.Logger, msg, name string, dims []string, attrs ...any) {
	dimensions := make([]any, len(dims))
	for i, d := range dims {
		dimensions[i] = d
	}
	meta := slog.Group("_aws",
		slog.Int64("Timestamp", time.Now().UnixMilli()),
		slog.Any("CloudWatchMetrics", []map[string]any{{
			"Namespace":  Namespace,
			"Dimensions": [][]any{dimensions},
			"Metrics":    []map[string]string{{"Name": name, "Unit": "Count"}},
		}}),
	)
	log.InfoContext(ctx, msg, append(attrs, meta, slog.Int(name, 1))...)
}

// Value is one measurement of Values: a metric's name, value and
// CloudWatch unit (Seconds, Count...).
type Value struct {
	Name  string
	Value float64
	Unit  string
}

// Values logs msg at info level with the attributes attrs and records each
// value as a metric (no dimensions): one line, one data point each.
func Values(ctx context.Context, log *slog.Logger, msg string, values []Value, attrs ...any) {
	metrics := make([]map[string]string, len(values))
	for i, v := range values {
		metrics[i] = map[string]string{"Name": v.Name, "Unit": v.Unit}
		attrs = append(attrs, slog.Float64(v.Name, v.Value))
	}
	meta := slog.Group("_aws",
		slog.Int64("Timestamp", time.Now().UnixMilli()),
		slog.Any("CloudWatchMetrics", []map[string]any{{
			"Namespace":  Namespace,
			"Dimensions": [][]any{{}},
			"Metrics":    metrics,
		}}),
	)
	log.InfoContext(ctx, msg, append(attrs, meta)...)
}
