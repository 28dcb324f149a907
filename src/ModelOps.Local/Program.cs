// The `modelops` command: replaced by the host and its commands as they land.
return 0;
