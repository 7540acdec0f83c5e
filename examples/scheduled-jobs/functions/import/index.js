// The nightly import: reads its settings from the SSM parameter named by CONFIG_PARAMETER and
// records the run in the DynamoDB table named by TABLE. A thrown error fails the invocation;
// after the rule's retries, EventBridge sends the event to the dead-letter queue.
const { SSMClient, GetParameterCommand } = require("@aws-sdk/client-ssm");
const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");

const ssm = new SSMClient({});
const dynamodb = new DynamoDBClient({});

exports.handler = async (event) => {
  const param = await ssm.send(new GetParameterCommand({ Name: process.env.CONFIG_PARAMETER }));
  const config = JSON.parse(param.Parameter.Value);
  await dynamodb.send(
    new PutItemCommand({
      TableName: process.env.TABLE,
      Item: {
        pk: { S: `run#${event.time}` },
        source: { S: config.source },
        job: { S: event.job ?? "import" },
      },
    }),
  );
  return { imported: config.source };
};
