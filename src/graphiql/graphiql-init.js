// GraphiQL on this gateway's /graphql (same origin); React, ReactDOM and GraphiQL are the UMD
// builds served beside this file from node_modules.
/* global React, ReactDOM, GraphiQL */
const fetcher = GraphiQL.createFetcher({ url: new URL('/graphql', window.location.href).href })
const defaultQuery = `# The StellarRec gateway. Ctrl-Enter runs the query; the Docs pane lists every type.
{
  users(first: 3) {
    items { id email name }
    nextCursor
  }
}
`
ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, { fetcher, defaultQuery, shouldPersistHeaders: false }))
