#!/bin/sh
# Start-up command of the streaming history function (its Handler). The Lambda Web
# Adapter (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap) runs this, waits for the port, then
# turns each Function URL invocation into an HTTP request and streams the answer back.
# A plain python3 does not get the layers on sys.path (the runtime adds /opt/python only
# for its own bootstrap): stream_launcher.use_layers() puts them there itself.
exec python3 "${LAMBDA_TASK_ROOT:-$(dirname "$0")/..}/history_stream/stream_launcher.py"
