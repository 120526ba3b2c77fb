// the package the SW's RegExp.escape is checked against ships no types
declare module 'regexp.escape' {
  export default function escape (text: string): string
}
