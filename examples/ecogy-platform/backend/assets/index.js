// Asset inventory API: GET /assets lists the caller's organisation's assets,
// ANY /assets/{id} reads, writes or deletes one.
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const { DynamoDBDocumentClient, QueryCommand, GetCommand, PutCommand, DeleteCommand } = require("@aws-sdk/lib-dynamodb");

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TABLE = process.env.TABLE;

const json = (statusCode, body) => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

exports.handler = async (event) => {
  const claims = event.requestContext?.authorizer?.jwt?.claims ?? {};
  const org = claims["custom:org"];
  if (!org) return json(403, { message: "no organisation" });
  const pk = `org#${org}`;
  const id = event.pathParameters?.id;
  const method = event.requestContext.http.method;

  if (!id) {
    const out = await db.send(new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :asset)",
      ExpressionAttributeValues: { ":pk": pk, ":asset": "asset#" },
    }));
    return json(200, out.Items ?? []);
  }

  const key = { pk, sk: `asset#${id}` };
  switch (method) {
    case "GET": {
      const out = await db.send(new GetCommand({ TableName: TABLE, Key: key }));
      return out.Item ? json(200, out.Item) : json(404, { message: "not found" });
    }
    case "PUT": {
      const item = { ...JSON.parse(event.body ?? "{}"), ...key, owner: claims.sub };
      await db.send(new PutCommand({ TableName: TABLE, Item: item }));
      return json(200, item);
    }
    case "DELETE":
      await db.send(new DeleteCommand({ TableName: TABLE, Key: key }));
      return json(204, {});
    default:
      return json(405, { message: "method not allowed" });
  }
};
