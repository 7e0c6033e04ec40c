#!/bin/sh
# Plays llama-server for the first-run tests: the scripted fake on --port, answering as --alias,
# after a short start-up (as a model loads), so a test can type while it prepares.
port=8080; alias=fake-model
while [ $# -gt 0 ]; do
    case "$1" in
        --port) port=$2; shift ;;
        --alias) alias=$2; shift ;;
    esac
    shift
done
sleep "${FAKE_LLAMA_DELAY:-1}"
exec python3 "$(dirname "$0")/fake_openai.py" --port "$port" --model "$alias"
