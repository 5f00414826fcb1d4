#!/usr/bin/env node
// The `bb-sim` command. A committed file (not dist/bin.js itself) so that installing the workspace
// can link the bin before anything is built; it runs the built CLI.
import '../dist/bin.js'
