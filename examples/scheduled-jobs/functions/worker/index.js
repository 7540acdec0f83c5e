// The worker: takes the jobs queued in the `jobs` queue, ten at a time, and records each in the
// DynamoDB table named by TABLE. A message whose job fails is reported back (partial batch
// response), so only those messages return to the queue.
const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");
const { runKey } = require("jobs-shared");

const dynamodb = new DynamoDBClient({});

exports.handler = async (event) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    try {
      const job = JSON.parse(record.body);
      await dynamodb.send(
        new PutItemCommand({
          TableName: process.env.TABLE,
          Item: { pk: { S: runKey(job.kind, record.attributes.SentTimestamp) } },
        }),
      );
    } catch (e) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
