package op

import (
	"context"
	"fmt"
)

// Command is one idempotent action of an op.
type Command struct {
	// Name says what it does, for logs and reports ("install site_1.0").
	Name string
	Run  func(ctx context.Context) error
}

// Op is a step machine: Next returns the command to run next, or nil when
// the op is done. Next is called again only after the previous command
// succeeded; what a command learns (a downloaded file, the plan) may
// decide what comes after it.
type Op interface {
	Name() string
	Next() *Command
}

// queue is the machine every op is: a list of commands that running ones
// may extend.
type queue struct {
	name     string
	commands []Command
}

func (q *queue) Name() string { return q.name }

func (q *queue) Next() *Command {
	if len(q.commands) == 0 {
		return nil
	}
	c := q.commands[0]
	q.commands = q.commands[1:]
	return &c
}

// then appends commands to run after the queued ones.
func (q *queue) then(cs ...Command) { q.commands = append(q.commands, cs...) }

// Run runs o to completion. before is called with each command before it
// runs (the worker logs it). The first failure ends the run, wrapped with
// the command's name.
func Run(ctx context.Context, o Op, before func(Command)) error {
	for c := o.Next(); c != nil; c = o.Next() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: %w", o.Name(), err)
		}
		if before != nil {
			before(*c)
		}
		if err := c.Run(ctx); err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
	}
	return nil
}
