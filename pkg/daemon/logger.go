package daemon

import (
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/sys/unix"
)

// LogFormat is how log lines are encoded.
type LogFormat int

// The log formats.
const (
	// LogJSON is one JSON object per line: what journald keeps and log
	// shippers parse.
	LogJSON LogFormat = iota
	// LogConsole is tab-separated text for a person at a terminal.
	LogConsole
)

// FormatFor picks console lines when f is a terminal and JSON otherwise
// (under systemd stdout is a journald stream, not a terminal).
func FormatFor(f *os.File) LogFormat {
	if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
		return LogConsole
	}
	return LogJSON
}

// NewLogger returns a daemon's logger at level (debug, info, warn or
// error), writing to w in format. Timestamps are ISO 8601 so that a line
// read in an incident needs no conversion.
func NewLogger(w io.Writer, level string, format LogFormat) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	var encoder zapcore.Encoder
	if format == LogConsole {
		enc.EncodeLevel = zapcore.CapitalLevelEncoder
		encoder = zapcore.NewConsoleEncoder(enc)
	} else {
		encoder = zapcore.NewJSONEncoder(enc)
	}
	sink := zapcore.Lock(zapcore.AddSync(w))
	return zap.New(zapcore.NewCore(encoder, sink, lvl), zap.ErrorOutput(sink)), nil
}
