// The REST API's one Lambda function (a Lambda proxy integration: the whole request in, a
// statusCode/headers/body object out).
exports.handler = async (event) => ({
  statusCode: 200,
  headers: { "content-type": "application/json", "access-control-allow-origin": "*" },
  body: JSON.stringify({ path: event.path, method: event.httpMethod }),
});
