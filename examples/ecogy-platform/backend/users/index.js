// User profiles. Two callers: API Gateway (GET /users/me) and Cognito's post-confirmation
// trigger, which creates the profile row when a user confirms sign-up.
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const { DynamoDBDocumentClient, GetCommand, PutCommand } = require("@aws-sdk/lib-dynamodb");

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TABLE = process.env.TABLE;

exports.handler = async (event) => {
  if (event.triggerSource === "PostConfirmation_ConfirmSignUp") {
    const attrs = event.request.userAttributes;
    await db.send(new PutCommand({
      TableName: TABLE,
      Item: {
        pk: `user#${attrs.sub}`,
        sk: "profile",
        email: attrs.email,
        org: attrs["custom:org"] ?? "none",
        created: Date.now(),
      },
      ConditionExpression: "attribute_not_exists(pk)",
    })).catch((err) => {
      if (err.name !== "ConditionalCheckFailedException") throw err;
    });
    return event; // Cognito triggers must return the event
  }

  const sub = event.requestContext?.authorizer?.jwt?.claims?.sub;
  if (!sub) return { statusCode: 401, body: "" };
  const out = await db.send(new GetCommand({ TableName: TABLE, Key: { pk: `user#${sub}`, sk: "profile" } }));
  return {
    statusCode: out.Item ? 200 : 404,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(out.Item ?? { message: "not found" }),
  };
};
