// Serves index.html for paths that name a directory of the site (/docs/ -> /docs/index.html).
function handler(event) {
    var request = event.request;
    if (request.uri.endsWith('/')) {
        request.uri += 'index.html';
    }
    return request;
}
