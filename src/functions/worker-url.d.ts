/** Vite's `?worker&url` import: the URL of the bundled worker script */
declare module '*?worker&url' {
  const url: string
  export default url
}

/** Vite's `?url` import: the URL of a file emitted with the bundle */
declare module '*?url' {
  const url: string
  export default url
}
