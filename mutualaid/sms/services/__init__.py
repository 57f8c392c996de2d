"""Every write about text messages: `phones` (a member's number, verified by a code),
`inbound` (an incoming text, from webhook or command line, to its reply) and `replies` (what
each command does, through the same services as the pages and the API)."""
