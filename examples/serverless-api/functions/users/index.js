// GET /users/me: the caller's profile from the JWT claims.
exports.handler = async (event) => {
  const claims = event.requestContext?.authorizer?.jwt?.claims ?? {};
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sub: claims.sub ?? null, email: claims.email ?? null, stage: process.env.STAGE }),
  };
};
