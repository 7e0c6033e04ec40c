/// `GET /openapi.json`: the API described (OpenAPI 3.1), written by hand beside the routes it
/// describes (`ServeTests` checks every route is in it).
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "Talaria", "version": "1", "description": "The session host over HTTP. Every request needs Authorization: Bearer TOKEN (serve.token)."},
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
          "Session": {"type": "object", "required": ["id", "model", "cwd", "source", "open", "busy"], "properties": {
            "id": {"type": "string"}, "title": {"type": ["string", "null"]}, "model": {"type": "string"}, "cwd": {"type": "string"},
            "source": {"type": "string"}, "createdAt": {"type": "string", "format": "date-time"}, "updatedAt": {"type": "string", "format": "date-time"},
            "messageCount": {"type": "integer"}, "parentId": {"type": ["string", "null"]}, "open": {"type": "boolean"}, "busy": {"type": "boolean"},
            "attachments": {"type": "integer"}}},
          "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {"message": {"type": "string"}, "type": {"type": "string"}}}}},
          "Accepted": {"type": "object", "properties": {"submission": {"type": "integer", "description": "The submissionID its events carry"}}},
          "Op": {"description": "An Op as Swift encodes it: {\"userTurn\": {\"_0\": {\"text\": \"…\"}}}, {\"interrupt\": {}}, {\"approveTool\": {\"callID\": \"…\", \"decision\": \"once|session|always|deny\"}}, {\"compress\": {}}", "type": "object"},
          "EventEnvelope": {"type": "object", "properties": {"submissionID": {"type": "integer"}, "seq": {"type": "integer"}, "event": {"type": "object", "description": "One AgentEvent: {\"messageDelta\": {\"itemID\": …, \"text\": …}}, {\"toolCallBegan\": {…}}, {\"approvalRequested\": {\"_0\": {…}}}, {\"turnCompleted\": {\"_0\": {\"finalText\": …}}}, …"}}}
        }
      },
      "security": [{"bearer": []}],
      "paths": {
        "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        "/sessions": {
          "get": {"summary": "Open sessions (and with ?stored=N the N newest stored ones)", "parameters": [{"name": "stored", "in": "query", "schema": {"type": "integer"}}],
                  "responses": {"200": {"description": "{\"sessions\": [Session]}"}}},
          "post": {"summary": "Create a session in a folder (the server's by default), or resume a stored one",
                   "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"cwd": {"type": "string"}, "model": {"type": "string"}, "resume": {"type": "string"}}}}}},
                   "responses": {"201": {"description": "Session"}, "400": {"description": "Error"}}}
        },
        "/sessions/{id}": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "get": {"summary": "One session", "responses": {"200": {"description": "Session"}, "404": {"description": "Error"}}},
          "delete": {"summary": "Stop it: a running turn is interrupted and commits; the session stays stored", "responses": {"204": {"description": "Stopped"}}}
        },
        "/sessions/{id}/fork": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "post": {"summary": "A new session with this one's messages (through a message id)", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"through": {"type": "integer"}, "model": {"type": "string"}}}}}},
                   "responses": {"201": {"description": "Session"}}}},
        "/sessions/{id}/messages": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "get": {"summary": "The stored messages", "responses": {"200": {"description": "{\"messages\": [StoredMessage]}"}}}},
        "/sessions/{id}/events": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "Last-Event-ID", "in": "header", "schema": {"type": "integer"}}, {"name": "after", "in": "query", "schema": {"type": "integer"}}],
          "get": {"summary": "Server-sent events: id is the event's seq, data an EventEnvelope. Without Last-Event-ID: this run's transcript so far first; with it: only what came after",
                  "responses": {"200": {"description": "text/event-stream"}}}},
        "/sessions/{id}/ops": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "post": {"summary": "Submit an Op", "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Op"}}}},
                   "responses": {"202": {"description": "Accepted"}, "409": {"description": "Error"}}}},
        "/sessions/{id}/prompt": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "post": {"summary": "A user turn", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}}}},
                   "responses": {"202": {"description": "Accepted"}}}},
        "/sessions/{id}/approvals/{call}": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "call", "in": "path", "required": true, "schema": {"type": "string"}}],
          "post": {"summary": "Answer an approvalRequested event", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["decision"], "properties": {"decision": {"enum": ["once", "session", "always", "deny"]}}}}}},
                   "responses": {"202": {"description": "Accepted"}}}},
        "/sessions/{id}/questions/{call}": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "call", "in": "path", "required": true, "schema": {"type": "string"}}],
          "post": {"summary": "Answer a clarifyRequested event (the model's question): the user's words or the choice picked; null skips", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"answer": {"type": ["string", "null"]}}}}}},
                   "responses": {"202": {"description": "Accepted"}}}},
        "/v1/models": {"get": {"summary": "OpenAI-compatible: the model", "responses": {"200": {"description": "list"}}}},
        "/v1/chat/completions": {"post": {"summary": "OpenAI-compatible: runs an agent turn and answers with its final text (stream: true for chunks ending in [DONE]). X-Talaria-Session names the session to continue; every answer carries it",
          "parameters": [{"name": "X-Talaria-Session", "in": "header", "schema": {"type": "string"}}],
          "responses": {"200": {"description": "chat.completion or text/event-stream of chat.completion.chunk"}}}}
      }
    }
    """#
}
