// GET /assets: the caller's assets (a stub: the example is about deployment, not data).
exports.handler = async (event) => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ assets: [], caller: event.requestContext?.authorizer?.jwt?.claims?.sub ?? null }),
});
