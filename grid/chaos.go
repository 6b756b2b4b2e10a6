package grid

import (
	"context"
	"errors"
	"fmt"

	"github.com/freeflowuniverse/planetary/internal/cli"
)

// ChaosUsage lists the actions Chaos takes.
const ChaosUsage = "cut|restore HOST ISP, kill|start HOST, kill-host|start-host HOST or kill-validator|start-validator HOST or kill-pin|start-pin HOST"

// Chaos runs one `gridctl chaos` action from its words: cut or restore HOST ISP (an uplink, netns
// backend), kill or start HOST (its pnicd), kill-host or start-host HOST (everything of the host:
// its processes and uplinks, netns backend; start-host brings it back as it was),
// kill-validator or start-validator HOST, kill-pin or start-pin HOST (its pind). Malformed
// words give a usage error (exit status 2).
func (g *Grid) Chaos(ctx context.Context, args ...string) error {
	if len(args) < 2 {
		return cli.Usage(errors.New("chaos wants " + ChaosUsage))
	}
	switch args[0] {
	case "cut", "restore":
		if len(args) != 3 {
			return cli.Usage(fmt.Errorf("chaos %s wants HOST ISP", args[0]))
		}
		return g.SetUplink(args[1], args[2], args[0] == "restore")
	}
	if len(args) != 2 {
		return cli.Usage(fmt.Errorf("chaos %s wants HOST", args[0]))
	}
	switch args[0] {
	case "kill":
		return g.Kill(args[1])
	case "start":
		return g.StartHost(ctx, args[1])
	case "kill-host":
		return g.KillHost(args[1])
	case "start-host":
		return g.StartWholeHost(ctx, args[1])
	case "kill-validator":
		return g.KillValidator(args[1])
	case "start-validator":
		return g.StartValidator(ctx, args[1])
	case "kill-pin":
		return g.KillPin(args[1])
	case "start-pin":
		return g.StartPin(ctx, args[1])
	}
	return cli.Usage(fmt.Errorf("unknown chaos action %q (want %s)", args[0], ChaosUsage))
}
