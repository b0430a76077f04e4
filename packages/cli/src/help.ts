export const HELP = `latchkey — use your Latchkey connections from a terminal, a script or an agent

Usage: latchkey [--data-dir DIR] <command> [options]

Commands:
  run --env NAME=conn:<id|name>.<field> | NAME=var:<key> [--env …] [--reason TEXT] -- <command> [args…]
        Runs <command> with the values in its environment. The person allows it in the
        Latchkey app (a value leaving Latchkey needs the "reveal" permission; a secret variable
        its own reveal). Secret values are masked (••••) in the command's stdout and stderr,
        also when split across writes.
  conn ls [--json]            Lists connections: id, name, type, target, status (no secrets).
  conn test <id|name> [--json]
                              Tests a connection (Latchkey uses the credential; you never see it).
  mcp [--http [--port N]]     An MCP server for agents (Claude Desktop, Cursor, any MCP client):
                              stdio by default; --http serves Streamable HTTP on 127.0.0.1
                              with the bearer token in <data dir>/mcp-http.token.
  inject [-i TEMPLATE] [-o FILE] [--reason TEXT]
                              Renders a template ({{ conn.<id|name>.<field> }}, {{ var.<key> }})
                              to FILE (written 0600) or stdout. Secret fields and secret
                              variables need the person's "reveal" consent in the app.
  var get <key> [--json] [--reason TEXT]
                              A variable's value (LATCHKEY_VAR_<KEY> wins over the store); a
                              secret one after the person allows its reveal in the app.
  var set <key> <value|-> [--secret] [--description TEXT]
                              Saves a variable ("-" reads the value from stdin).
  import-mcp [FILE…] [--dry-run]
                              Moves secrets out of agent configs (Claude Desktop's
                              claude_desktop_config.json, .mcp.json, VS Code's mcp.json; those
                              found when no FILE is named): each server's secret env entries (or
                              its bearer Authorization header) go into a new Latchkey connection,
                              and the entry starts through "latchkey mcp-proxy <connection>".
                              The original is backed up first (0600); --dry-run shows the change.
  mcp-proxy <id|name>         Starts an imported MCP server with its environment filled by
                              Latchkey (after the person allows it), output masked; or forwards
                              to a remote one with its token added. A local server's command
                              line runs only once the person approved that exact line in the
                              app (a new or changed line asks again).
  help, --help                This text.

Options:
  --data-dir DIR   The app's data folder (env LATCHKEY_DATA_DIR; default ~/.latchkey).
  --json           Machine-readable output for every listing.

How it reaches Latchkey:
  Through the running app's local socket (<data dir>/latchkey.sock, owner-only, with the per-user
  token in <data dir>/requester.token). Each invocation is its own requester: the app asks the
  person, naming it as what it calls itself. With no app running and LATCHKEY_MASTER_KEY set (CI),
  the CLI opens the store itself (the folder lock keeps the app out meanwhile); each access is
  then allowed once and audited as the CLI. A run child never inherits LATCHKEY_MASTER_KEY.

Add to an MCP client (Claude Desktop's claude_desktop_config.json, .mcp.json):
  { "mcpServers": { "latchkey": { "command": "<repo>/scripts/latchkey", "args": ["mcp"] } } }

Exit codes: run returns the command's own; 1 on an error, with its code (DENIED, NOT_FOUND, …).
`;
